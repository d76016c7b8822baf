import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { createPrivateKey, createPublicKey, KeyObject } from 'node:crypto';
import {
  calculateJwkThumbprint,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  JWK,
  jwtVerify,
  JWTPayload,
  JWTVerifyOptions,
} from 'jose';
import { DataSource, In } from 'typeorm';
import { nowMs } from '../common/time';
import { InjectOAuthConfig, InjectOAuthDataSource } from '../oauth.constants';
import type { OAuthConfig } from '../options/oauth-config';
import type { SigningAlgorithm } from '../options/oauth-module-options.interface';
import { OAuthSigningKey, SigningKeyStatus } from '../storage/entities/oauth-signing-key.entity';

/** A key ready for use: node:crypto key objects (which jose accepts too) plus its public JWK. */
export interface LoadedKey {
  kid: string;
  alg: string;
  status: SigningKeyStatus;
  createdAt: number;
  privateKey: KeyObject;
  publicKey: KeyObject;
  publicJwk: JWK;
}

/** id_tokens are signed with RS256 when the server holds an RS256 key (the OIDC default). */
export type JwtFailure = 'malformed' | 'not_ours' | 'invalid';

export function idTokenSigningAlgorithm(config: OAuthConfig): string {
  const algorithms = config.keys.algorithms;
  return algorithms.includes('RS256') ? 'RS256' : algorithms[0];
}

/** Unknown `kid`s trigger a reload from the database at most this often (other instances may rotate). */
const UNKNOWN_KID_RELOAD_INTERVAL_MS = 5_000;
/** Instances also pick up rotations done elsewhere on this period. */
const PERIODIC_RELOAD_MS = 60_000;
const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

/**
 * Signing keys: generated on first start and stored in the database (or supplied by the host),
 * cached in memory, rotated on command. Active keys sign; active and retiring keys verify and
 * are published at the JWKS endpoint.
 */
@Injectable()
export class KeyStore implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('OAuthKeyStore');
  private keys = new Map<string, LoadedKey>();
  private lastReloadAt = 0;
  private reloadTimer?: NodeJS.Timeout;

  constructor(
    @InjectOAuthConfig() private readonly config: OAuthConfig,
    @InjectOAuthDataSource() private readonly dataSource: DataSource,
  ) {}

  private get hostSupplied(): boolean {
    return this.config.keys.jwks !== undefined;
  }

  private get repository() {
    return this.dataSource.getRepository(OAuthSigningKey);
  }

  async onModuleInit(): Promise<void> {
    if (this.hostSupplied) {
      await this.loadHostKeys(this.config.keys.jwks!);
      return;
    }
    await this.reload();
    for (const alg of this.config.keys.algorithms) {
      if (!this.findActive(alg)) await this.generate(alg);
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
    if (!key) throw new Error(`No active signing key for ${alg}.`);
    return key;
  }

  /**
   * Verifies a JWT signed by one of our keys, with that key's own algorithm only (never `none`
   * or HMAC); `checks` are jose's claim checks. A failure says which kind it was: not a JWS, not
   * ours, or a bad signature or claim.
   */
  async verifyJwt(
    token: string,
    checks: Omit<JWTVerifyOptions, 'algorithms'>,
  ): Promise<{ payload: JWTPayload; kid: string } | { failure: JwtFailure }> {
    let header: { kid?: string; alg?: string };
    try {
      header = decodeProtectedHeader(token);
    } catch {
      return { failure: 'malformed' };
    }
    const key = header.kid ? await this.verificationKey(header.kid) : undefined;
    if (!key || header.alg !== key.alg) return { failure: 'not_ours' };
    try {
      const { payload } = await jwtVerify(token, key.publicKey, {
        ...checks,
        algorithms: [key.alg],
      });
      return { payload, kid: key.kid };
    } catch {
      return { failure: 'invalid' };
    }
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

  /** The public JWK Set: active and retiring keys, public members only. */
  publicJwks(): { keys: JWK[] } {
    return {
      keys: [...this.keys.values()]
        .filter((key) => key.status !== 'retired')
        .map((key) => key.publicJwk),
    };
  }

  /**
   * Makes a new active key for each configured algorithm (or just `alg`); the previous active
   * keys become `retiring`: they stop signing but keep verifying until `retire()`.
   */
  async rotate(alg?: SigningAlgorithm): Promise<string[]> {
    this.refuseForHostKeys('rotate');
    const algorithms = alg ? [alg] : this.config.keys.algorithms;
    const created: string[] = [];
    for (const algorithm of algorithms) {
      const previous = [...this.keys.values()].filter(
        (k) => k.alg === algorithm && k.status === 'active',
      );
      created.push((await this.generate(algorithm)).kid);
      if (previous.length > 0) {
        await this.repository.update(
          { kid: In(previous.map((k) => k.kid)) },
          { status: 'retiring', rotatedAt: nowMs() },
        );
      }
    }
    await this.reload();
    return created;
  }

  /** Stops a retiring key from verifying and removes it from the JWKS. */
  async retire(kid: string): Promise<void> {
    this.refuseForHostKeys('retire');
    // Decide on the stored status, not this instance's cache: another instance may have rotated.
    const result = await this.repository.update(
      { kid, status: 'retiring' },
      { status: 'retired', retiredAt: nowMs() },
    );
    if (!result.affected) {
      const row = await this.repository.findOneBy({ kid });
      if (!row) throw new Error(`No signing key with kid ${kid}.`);
      if (row.status === 'active') {
        throw new Error(
          `Key ${kid} is active: rotate first, then retire it once its tokens have expired.`,
        );
      }
    }
    await this.reload();
  }

  /** Re-reads keys from the database (picks up rotations done by other instances). */
  async reload(): Promise<void> {
    if (this.hostSupplied) return;
    this.lastReloadAt = nowMs();
    const rows = await this.repository.find({ where: { status: In(['active', 'retiring']) } });
    const keys = new Map<string, LoadedKey>();
    for (const row of rows) {
      keys.set(
        row.kid,
        this.keys.get(row.kid)?.status === row.status ? this.keys.get(row.kid)! : toLoadedKey(row),
      );
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

  private async generate(alg: string): Promise<LoadedKey> {
    const { privateKey } = await generateKeyPair(alg, { extractable: true });
    const privateJwk = await exportJWK(privateKey);
    const kid = await calculateJwkThumbprint(privateJwk);
    const row = this.repository.create({
      kid,
      alg,
      privateJwk: { ...privateJwk, kid, alg },
      publicJwk: toPublicJwk(privateJwk, kid, alg),
      status: 'active',
      createdAt: nowMs(),
      rotatedAt: null,
      retiredAt: null,
    });
    await this.repository.insert(row);
    this.logger.log(`Generated ${alg} signing key ${kid}`);
    const loaded = toLoadedKey(row);
    this.keys.set(kid, loaded);
    return loaded;
  }

  private async loadHostKeys(jwks: JWK[]): Promise<void> {
    for (const [index, jwk] of jwks.entries()) {
      const row = {
        kid: jwk.kid!,
        alg: jwk.alg!,
        privateJwk: jwk,
        publicJwk: toPublicJwk(jwk, jwk.kid!, jwk.alg!),
        status: 'active' as const,
        createdAt: -index, // the first listed key signs
      };
      this.keys.set(row.kid, toLoadedKey(row));
    }
  }

  private refuseForHostKeys(action: string): void {
    if (this.hostSupplied) {
      throw new Error(
        `Cannot ${action} host-supplied keys (keys.jwks): change the keys you pass instead.`,
      );
    }
  }
}

function toPublicJwk(jwk: JWK, kid: string, alg: string): JWK {
  const publicJwk: JWK = { ...jwk };
  for (const member of PRIVATE_JWK_MEMBERS) delete (publicJwk as Record<string, unknown>)[member];
  return { ...publicJwk, kid, alg, use: 'sig' };
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
