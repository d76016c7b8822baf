import { Injectable, Logger } from '@nestjs/common';
import type { JWK } from 'jose';
import { nowMs } from '../common/time';
import { SigningKeyError } from '../errors/oauth-server.error';
import { InjectOAuthConfig } from '../oauth.constants';
import type { OAuthConfig } from '../options/oauth-config';
import type { SigningAlgorithm } from '../options/oauth-module-options.interface';
import type {
  OAuthSigningKey,
  SigningKeyStatus,
} from '../storage/entities/oauth-signing-key.entity';
import { SigningKeyStore } from '../storage/stores/signing-key.store';
import { KeyRing } from './key-ring.service';
import { generateSigningKey, publicJwkOf } from './signing-key-material';

/** A signing key as hosts and the CLI see it: public members only, never the private key. */
export interface SigningKeyView {
  kid: string;
  alg: string;
  status: SigningKeyStatus;
  /** Epoch ms; null for host-supplied keys (`keys.jwks`), which the server did not create. */
  createdAt: number | null;
  /** When a rotation made it `retiring`, epoch ms. */
  rotatedAt: number | null;
  /** When it was retired, epoch ms. */
  retiredAt: number | null;
  /** As published at the JWKS endpoint. */
  publicJwk: JWK;
}

/**
 * What a host or the CLI does with the signing keys: rotate, retire, list. Changes apply to
 * this instance at once; other instances pick them up within a minute (or on the first token
 * with an unknown `kid`). Host-supplied keys (`keys.jwks`) are listed but never changed here.
 */
@Injectable()
export class SigningKeyService {
  private readonly logger = new Logger('OAuthSigningKeys');

  /** @internal Nest constructs it with internal services: inject it instead. */
  constructor(
    @InjectOAuthConfig() private readonly config: OAuthConfig,
    private readonly store: SigningKeyStore,
    private readonly ring: KeyRing,
  ) {}

  /**
   * Makes a new active key for each configured algorithm (or just `alg`) and returns their kids;
   * the previous active keys become `retiring`: they stop signing but keep verifying until
   * `retire()`.
   */
  async rotate(alg?: SigningAlgorithm): Promise<string[]> {
    this.refuseForHostKeys('rotate');
    const created: string[] = [];
    for (const algorithm of alg ? [alg] : this.config.keys.algorithms) {
      const previous = this.ring.activeKids(algorithm);
      const row = await generateSigningKey(algorithm, nowMs());
      await this.store.insert(row);
      await this.store.markRetiring(previous, nowMs());
      this.logger.log(`Rotated ${algorithm}: new signing key ${row.kid}`);
      created.push(row.kid);
    }
    await this.ring.reload();
    return created;
  }

  /**
   * Stops a retiring key from verifying and removes it from the JWKS. Fails with
   * `SigningKeyError` for an unknown kid or a key that is still active (rotate first).
   */
  async retire(kid: string): Promise<void> {
    this.refuseForHostKeys('retire');
    const outcome = await this.store.retire(kid, nowMs());
    if (outcome === 'not_found') throw new SigningKeyError(`No signing key with kid ${kid}.`);
    if (outcome === 'active') {
      throw new SigningKeyError(
        `Key ${kid} is active: rotate first, then retire it once its tokens have expired.`,
      );
    }
    await this.ring.reload();
  }

  /** Every key, retired ones included, oldest first; host-supplied keys in the order given. */
  async list(): Promise<SigningKeyView[]> {
    if (this.config.keys.jwks !== undefined) return this.config.keys.jwks.map(hostKeyView);
    return (await this.store.list()).map(storedKeyView);
  }

  private refuseForHostKeys(action: string): void {
    if (this.config.keys.jwks !== undefined) {
      throw new SigningKeyError(
        `Cannot ${action} host-supplied keys (keys.jwks): change the keys you pass instead.`,
      );
    }
  }
}

/** Field by field, so nothing of the stored private JWK can slip into the view. */
function storedKeyView(row: OAuthSigningKey): SigningKeyView {
  return {
    kid: row.kid,
    alg: row.alg,
    status: row.status,
    createdAt: row.createdAt,
    rotatedAt: row.rotatedAt,
    retiredAt: row.retiredAt,
    publicJwk: publicJwkOf(row.publicJwk, row.kid, row.alg),
  };
}

function hostKeyView(jwk: JWK): SigningKeyView {
  return {
    kid: jwk.kid!,
    alg: jwk.alg!,
    status: 'active',
    createdAt: null,
    rotatedAt: null,
    retiredAt: null,
    publicJwk: publicJwkOf(jwk, jwk.kid!, jwk.alg!),
  };
}
