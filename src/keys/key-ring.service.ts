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
import { generateSigningKey, publicJwkOf } from './signing-key-material';

/**
 * A key ready for use: node:crypto key objects (which jose accepts too) plus its public JWK.
 * Carries the private key, so it never leaves the module: hosts see `SigningKeyView`.
 */
export interface LoadedKey {
  kid: string;
  alg: string;
  status: SigningKeyStatus;
  createdAt: number;
  privateKey: KeyObject;
  publicKey: KeyObject;
  publicJwk: JWK;
}

/** Unknown `kid`s trigger a reload from the database at most this often (other instances may rotate). */
const UNKNOWN_KID_RELOAD_INTERVAL_MS = 5_000;
/** Instances also pick up rotations done elsewhere on this period. */
const PERIODIC_RELOAD_MS = 60_000;

/**
 * The keys this instance signs and verifies with, in memory: the stored keys (generated on
 * first start) or the host's `keys.jwks`. Active keys sign; active and retiring keys verify
 * and are published. Stored keys are re-read every minute and when an unknown `kid` shows up,
 * so a rotation on one instance reaches the others.
 */
@Injectable()
export class KeyRing implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('OAuthKeyRing');
  private keys = new Map<string, LoadedKey>();
  private lastReloadAt = 0;
  private reloadTimer?: NodeJS.Timeout;

  constructor(
    @InjectOAuthConfig() private readonly config: OAuthConfig,
    private readonly store: SigningKeyStore,
  ) {}

  /** Host-supplied keys (`keys.jwks`) are neither stored nor reloaded. */
  private get hostSupplied(): boolean {
    return this.config.keys.jwks !== undefined;
  }

  async onModuleInit(): Promise<void> {
    if (this.hostSupplied) {
      this.loadHostKeys(this.config.keys.jwks!);
      return;
    }
    await this.reload();
    for (const alg of this.config.keys.algorithms) {
      if (!this.findActive(alg)) await this.generateFirstKey(alg);
    }
    this.reloadTimer = setInterval(
      () => void this.reload().catch(() => undefined),
      PERIODIC_RELOAD_MS,
    );
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
      await this.reload();
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

  /** Re-reads the stored keys (picks up rotations done by other instances). */
  async reload(): Promise<void> {
    if (this.hostSupplied) return;
    this.lastReloadAt = nowMs();
    const rows = await this.store.listUsable();
    const keys = new Map<string, LoadedKey>();
    for (const row of rows) {
      // Key objects are parsed once per key and status, not on every reload.
      const cached = this.keys.get(row.kid);
      keys.set(row.kid, cached?.status === row.status ? cached : toLoadedKey(row));
    }
    this.keys = keys;
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

  private async generateFirstKey(alg: string): Promise<void> {
    const row = await generateSigningKey(alg, nowMs());
    await this.store.insert(row);
    this.logger.log(`Generated ${alg} signing key ${row.kid}`);
    this.keys.set(row.kid, toLoadedKey(row));
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
      this.keys.set(row.kid, toLoadedKey(row));
    }
  }
}

function toLoadedKey(
  row: Pick<OAuthSigningKey, 'kid' | 'alg' | 'privateJwk' | 'publicJwk' | 'status' | 'createdAt'>,
): LoadedKey {
  return {
    kid: row.kid,
    alg: row.alg,
    status: row.status,
    createdAt: row.createdAt,
    privateKey: createPrivateKey({ key: row.privateJwk as Record<string, unknown>, format: 'jwk' }),
    publicKey: createPublicKey({ key: row.publicJwk as Record<string, unknown>, format: 'jwk' }),
    publicJwk: row.publicJwk,
  };
}
