import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { createPrivateKey, createPublicKey, KeyObject } from 'node:crypto';
import type { JWK } from 'jose';
import { nowMs } from '../common/time';
import { SigningKeyError } from '../errors/oauth-server.error';
import { InjectOAuthConfig } from '../oauth.constants';
import type { OAuthConfig } from '../options/oauth-config';
import type {
  OAuthSigningKey,
  SigningKeyStatus,
} from '../storage/entities/oauth-signing-key.entity';
import { SigningKeyStore } from '../storage/stores/signing-key.store';
import type { ExternalSigner } from '../options/oauth-module-options.interface';
import type { JwsSigningKey } from './jws';
import { isSealed, KeyEncryption } from './key-encryption';
import { generateSigningKey, publicJwkOf } from './signing-key-material';

/**
 * A key ready for use: node:crypto key objects (which jose accepts too) plus its public JWK.
 * Carries the private key, so it never leaves the module: hosts see `SigningKeyView`. A key
 * held by `keys.signer` has no private key here but `remoteSign`, which asks the signer.
 */
export interface LoadedKey extends JwsSigningKey {
  kid: string;
  alg: string;
  status: SigningKeyStatus;
  createdAt: number;
  publicKey: KeyObject;
  publicJwk: JWK;
}

/** Unknown `kid`s trigger a reload from the database at most this often (other instances may rotate). */
const UNKNOWN_KID_RELOAD_INTERVAL_MS = 5_000;
/** Instances also pick up rotations done elsewhere on this period. */
const PERIODIC_RELOAD_MS = 60_000;

/**
 * The keys this instance signs and verifies with, in memory: the stored keys (generated on
 * first start, decrypted with `keys.encryptionKeys` when set), the host's `keys.jwks`, or the
 * public keys of `keys.signer`. Active keys sign; active and retiring keys verify and are
 * published. Stored and signer keys are re-read every minute and when an unknown `kid` shows
 * up, so a rotation on one instance (or in the signer) reaches the others.
 */
@Injectable()
export class KeyRing implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('OAuthKeyRing');
  private keys = new Map<string, LoadedKey>();
  private lastReloadAt = 0;
  private reloadTimer?: NodeJS.Timeout;
  private readonly encryption: KeyEncryption;

  constructor(
    @InjectOAuthConfig() private readonly config: OAuthConfig,
    private readonly store: SigningKeyStore,
  ) {
    this.encryption = new KeyEncryption(config.keys.encryptionKeys);
  }

  /** Host-supplied keys (`keys.jwks`) are neither stored nor reloaded. */
  private get hostSupplied(): boolean {
    return this.config.keys.jwks !== undefined;
  }

  async onModuleInit(): Promise<void> {
    if (this.hostSupplied) {
      this.loadHostKeys(this.config.keys.jwks!);
      return;
    }
    // A key that does not decrypt fails the start (never replaced by a new key).
    await this.reload();
    const signer = this.config.keys.signer;
    for (const alg of this.config.keys.algorithms) {
      if (this.findActive(alg)) continue;
      if (signer) {
        throw new SigningKeyError(
          `keys.signer has no active ${alg} key, but keys.algorithms lists ${alg}: list the algorithms of the signer's keys.`,
        );
      }
      await this.generateFirstKey(alg);
    }
    if (!signer) await this.warnAboutClearKeys();
    this.reloadTimer = setInterval(() => void this.reloadLogged(), PERIODIC_RELOAD_MS);
    this.reloadTimer.unref();
  }

  onApplicationShutdown(): void {
    if (this.reloadTimer) clearInterval(this.reloadTimer);
  }

  /** The newest active key for `alg` (default: the first configured algorithm). */
  signingKey(alg: string = this.config.keys.algorithms[0]): LoadedKey {
    const key = this.findActive(alg);
    if (!key) throw new SigningKeyError(`No active signing key for ${alg}.`);
    return key;
  }

  /** A key that may verify signatures (active or retiring), reloading once when `kid` is unknown. */
  async verificationKey(kid: string): Promise<LoadedKey | undefined> {
    let key = this.keys.get(kid);
    if (
      !key &&
      !this.hostSupplied &&
      nowMs() - this.lastReloadAt > UNKNOWN_KID_RELOAD_INTERVAL_MS
    ) {
      await this.reloadLogged();
      key = this.keys.get(kid);
    }
    return key && key.status !== 'retired' ? key : undefined;
  }

  /**
   * True when `kid` names a key that may verify signatures right now (active or retiring), as
   * far as this instance knows: what cached verifications are re-checked against, so a retired
   * key stops its tokens at once here too.
   */
  isVerificationKey(kid: string): boolean {
    const key = this.keys.get(kid);
    return !!key && key.status !== 'retired';
  }

  /** The kids of the active keys for `alg`: those a rotation turns into retiring keys. */
  activeKids(alg: string): string[] {
    return [...this.keys.values()]
      .filter((key) => key.alg === alg && key.status === 'active')
      .map((key) => key.kid);
  }

  /** The public JWK Set: active and retiring keys, public members only. */
  publicJwks(): { keys: JWK[] } {
    return {
      keys: [...this.keys.values()]
        .filter((key) => key.status !== 'retired')
        .map((key) => key.publicJwk),
    };
  }

  /**
   * Re-reads the stored keys (picks up rotations done by other instances), or the signer's.
   * Throws `SigningKeyError` when a stored key does not decrypt with the configured KEKs.
   */
  async reload(): Promise<void> {
    if (this.hostSupplied) return;
    this.lastReloadAt = nowMs();
    if (this.config.keys.signer) return this.reloadSignerKeys(this.config.keys.signer);
    const rows = await this.store.listUsable();
    const keys = new Map<string, LoadedKey>();
    for (const row of rows) {
      // Key objects are parsed (and decrypted) once per key and status, not on every reload.
      const cached = this.keys.get(row.kid);
      keys.set(
        row.kid,
        cached?.status === row.status
          ? cached
          : toLoadedKey(row, this.encryption.open(row.kid, row.privateJwk)),
      );
    }
    this.keys = keys;
  }

  /** A reload in the background: a failure is logged, the keys in memory stay in use. */
  private async reloadLogged(): Promise<void> {
    try {
      await this.reload();
    } catch (error) {
      this.logger.error(`Reloading the signing keys failed: ${(error as Error).message}`);
    }
  }

  private async reloadSignerKeys(signer: ExternalSigner): Promise<void> {
    const listed = await signer.keys();
    const keys = new Map<string, LoadedKey>();
    for (const [index, key] of listed.entries()) {
      const status = key.status ?? 'active';
      const cached = this.keys.get(key.kid);
      if (cached?.status === status && cached.alg === key.alg) {
        keys.set(key.kid, cached);
        continue;
      }
      const publicJwk = publicJwkOf(key.publicJwk, key.kid, key.alg);
      keys.set(key.kid, {
        kid: key.kid,
        alg: key.alg,
        status,
        createdAt: -index, // the first listed active key of an algorithm signs
        publicKey: createPublicKey({ key: publicJwk as Record<string, unknown>, format: 'jwk' }),
        publicJwk,
        remoteSign: (signingInput) => signer.sign(key.kid, key.alg, signingInput),
      });
    }
    this.keys = keys;
  }

  /** Without KEKs, says that private keys are stored in clear; with them, which are still clear. */
  private async warnAboutClearKeys(): Promise<void> {
    if (!this.encryption.enabled) {
      this.logger.warn(
        'Private signing keys are stored unencrypted in oauth_signing_keys: anyone who can read the database can sign tokens. ' +
          'Set keys.encryptionKeys (then run keys reencrypt) or keys.signer; see docs/keys.md.',
      );
      return;
    }
    const clear = (await this.store.list()).filter((row) => !isSealed(row.privateJwk));
    if (clear.length > 0) {
      this.logger.warn(
        `${clear.length} stored signing key(s) are not encrypted yet: run SigningKeyService.reencrypt() (CLI: keys reencrypt).`,
      );
    }
  }

  private findActive(alg: string): LoadedKey | undefined {
    let newest: LoadedKey | undefined;
    for (const key of this.keys.values()) {
      if (
        key.alg === alg &&
        key.status === 'active' &&
        (!newest || key.createdAt > newest.createdAt)
      )
        newest = key;
    }
    return newest;
  }

  /**
   * Generates the first key for `alg` and stores it (encrypted when KEKs are configured) unless
   * another instance starting at the same time stored one first: then that one is used.
   */
  private async generateFirstKey(alg: string): Promise<void> {
    const row = await generateSigningKey(alg, nowMs());
    const stored = { ...row, privateJwk: this.encryption.seal(row.kid, row.privateJwk) };
    if (await this.store.insertFirstActive(stored)) {
      this.logger.log(`Generated ${alg} signing key ${row.kid}`);
      this.keys.set(row.kid, toLoadedKey(row, row.privateJwk));
      return;
    }
    await this.reload();
    if (!this.findActive(alg)) throw new SigningKeyError(`No active signing key for ${alg}.`);
  }

  private loadHostKeys(jwks: JWK[]): void {
    for (const [index, jwk] of jwks.entries()) {
      const row = {
        kid: jwk.kid!,
        alg: jwk.alg!,
        privateJwk: jwk,
        publicJwk: publicJwkOf(jwk, jwk.kid!, jwk.alg!),
        status: 'active' as const,
        createdAt: -index, // the first listed key signs
      };
      this.keys.set(row.kid, toLoadedKey(row, jwk));
    }
  }
}

/** `privateJwk` is the row's private key in clear. */
function toLoadedKey(
  row: Pick<OAuthSigningKey, 'kid' | 'alg' | 'publicJwk' | 'status' | 'createdAt'>,
  privateJwk: JWK,
): LoadedKey {
  return {
    kid: row.kid,
    alg: row.alg,
    status: row.status,
    createdAt: row.createdAt,
    privateKey: createPrivateKey({ key: privateJwk as Record<string, unknown>, format: 'jwk' }),
    publicKey: createPublicKey({ key: row.publicJwk as Record<string, unknown>, format: 'jwk' }),
    publicJwk: row.publicJwk,
  };
}
