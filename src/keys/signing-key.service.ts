import { Injectable, Logger } from '@nestjs/common';
import type { JWK } from 'jose';
import { nowMs } from '../common/time';
import { SigningKeyError } from '../errors/oauth-server.error';
import { InjectOAuthConfig } from '../oauth.constants';
import type { OAuthConfig } from '../options/oauth-config';
import type {
  ExternalSignerKey,
  SigningAlgorithm,
} from '../options/oauth-module-options.interface';
import type {
  OAuthSigningKey,
  SigningKeyStatus,
} from '../storage/entities/oauth-signing-key.entity';
import { SigningKeyStore } from '../storage/stores/signing-key.store';
import { KeyEncryption } from './key-encryption';
import { KeyRing } from './key-ring.service';
import { generateSigningKey, publicJwkOf } from './signing-key-material';

/** A signing key as hosts and the CLI see it: public members only, never the private key. */
export interface SigningKeyView {
  kid: string;
  alg: string;
  status: SigningKeyStatus;
  /** Epoch ms; null for host-supplied and signer keys, which the server did not create. */
  createdAt: number | null;
  /** When a rotation made it `retiring`, epoch ms. */
  rotatedAt: number | null;
  /** When it was retired, epoch ms. */
  retiredAt: number | null;
  /** As published at the JWKS endpoint. */
  publicJwk: JWK;
}

/** What `SigningKeyService.reencrypt()` did. */
export interface ReencryptReport {
  /** Id of the key-encryption key every stored key is now encrypted with. */
  kek: string;
  /** Kids of the keys re-encrypted now (they were in clear or under another KEK). */
  reencrypted: string[];
  /** How many were already encrypted with that KEK. */
  unchanged: number;
}

/**
 * What a host or the CLI does with the signing keys: rotate, retire, list, re-encrypt. Changes
 * apply to this instance at once; other instances pick them up within a minute (or on the first
 * token with an unknown `kid`). Host-supplied keys (`keys.jwks`) and the keys of `keys.signer`
 * are listed but never changed here.
 */
@Injectable()
export class SigningKeyService {
  private readonly logger = new Logger('OAuthSigningKeys');
  private readonly encryption: KeyEncryption;

  /** @internal Nest constructs it with internal services: inject it instead. */
  constructor(
    @InjectOAuthConfig() private readonly config: OAuthConfig,
    private readonly store: SigningKeyStore,
    private readonly ring: KeyRing,
  ) {
    this.encryption = new KeyEncryption(config.keys.encryptionKeys);
  }

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
      await this.store.insert({
        ...row,
        privateJwk: this.encryption.seal(row.kid, row.privateJwk),
      });
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

  /**
   * Encrypts every stored private key (retired ones too) with the first of
   * `keys.encryptionKeys`: keys stored in clear before encryption was configured, and keys under
   * an older KEK. This is how a KEK is rotated: list the new KEK first (keeping the old one),
   * restart, run this once, then remove the old KEK. Running it again changes nothing.
   */
  async reencrypt(): Promise<ReencryptReport> {
    this.refuseForHostKeys('re-encrypt');
    const kek = this.encryption.primaryId;
    if (!kek) {
      throw new SigningKeyError(
        'Cannot re-encrypt: keys.encryptionKeys is not set (add a key-encryption key first).',
      );
    }
    const report: ReencryptReport = { kek, reencrypted: [], unchanged: 0 };
    for (const row of await this.store.list()) {
      if (this.encryption.isCurrent(row.privateJwk)) {
        report.unchanged++;
        continue;
      }
      // Decrypting first: a key no configured KEK opens fails here, before anything changes.
      const sealed = this.encryption.seal(row.kid, this.encryption.open(row.kid, row.privateJwk));
      if (await this.store.updatePrivateKey(row.kid, sealed)) report.reencrypted.push(row.kid);
    }
    this.logger.log(
      `Re-encrypted ${report.reencrypted.length} signing key(s) with key-encryption key "${kek}"`,
    );
    return report;
  }

  /**
   * Every key, retired ones included, oldest first; host-supplied keys in the order given, the
   * signer's keys as it lists them.
   */
  async list(): Promise<SigningKeyView[]> {
    if (this.config.keys.jwks !== undefined) return this.config.keys.jwks.map(hostKeyView);
    if (this.config.keys.signer) return (await this.config.keys.signer.keys()).map(signerKeyView);
    return (await this.store.list()).map(storedKeyView);
  }

  private refuseForHostKeys(action: string): void {
    if (this.config.keys.jwks !== undefined) {
      throw new SigningKeyError(
        `Cannot ${action} host-supplied keys (keys.jwks): change the keys you pass instead.`,
      );
    }
    if (this.config.keys.signer) {
      throw new SigningKeyError(
        `Cannot ${action} the keys of keys.signer: the signer (KMS/HSM) holds them, manage them there.`,
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

function signerKeyView(key: ExternalSignerKey): SigningKeyView {
  return {
    kid: key.kid,
    alg: key.alg,
    status: key.status ?? 'active',
    createdAt: null,
    rotatedAt: null,
    retiredAt: null,
    publicJwk: publicJwkOf(key.publicJwk, key.kid, key.alg),
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
