import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { JWK } from 'jose';
import { SigningKeyError } from '../errors/oauth-server.error';
import type { KeyEncryptionKey } from '../options/oauth-module-options.interface';

/**
 * A private JWK encrypted under a key-encryption key (KEK), as stored in `private_jwk`:
 * AES-256-GCM over the JWK's JSON, with the row's kid as additional authenticated data so a
 * ciphertext copied into another row does not decrypt. `v` versions the format.
 */
export interface SealedPrivateJwk {
  v: 1;
  enc: 'A256GCM';
  /** Id of the KEK (`keys.encryptionKeys[].id`) it was encrypted with. */
  kek: string;
  /** base64url: 12-byte nonce, 16-byte tag, ciphertext. */
  iv: string;
  tag: string;
  ct: string;
}

/** What `private_jwk` holds: a sealed envelope, or a clear JWK (no KEK configured, or older rows). */
export type StoredPrivateKey = JWK | SealedPrivateJwk;

export function isSealed(stored: StoredPrivateKey): stored is SealedPrivateJwk {
  return (stored as SealedPrivateJwk).enc === 'A256GCM' && !('kty' in stored);
}

/** Decodes a KEK given as base64 (or base64url) of exactly 32 bytes; undefined when it is not. */
export function decodeKek(key: unknown): Buffer | undefined {
  if (typeof key !== 'string' || !/^[A-Za-z0-9+/_-]{43}=?$/.test(key)) return undefined;
  const bytes = Buffer.from(key.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  return bytes.length === 32 ? bytes : undefined;
}

/**
 * Seals and opens stored private keys with the configured KEKs (`keys.encryptionKeys`): the
 * first encrypts, every one decrypts, so a KEK is rotated by listing the new one first,
 * re-encrypting, then dropping the old one. The KEKs live only in the options, never in storage.
 */
export class KeyEncryption {
  private readonly keks: { id: string; key: Buffer }[];

  constructor(encryptionKeys: KeyEncryptionKey[] | undefined) {
    // The options check has validated the keys already.
    this.keks = (encryptionKeys ?? []).map(({ id, key }) => ({ id, key: decodeKek(key)! }));
  }

  /** Whether a KEK is configured: stored keys are then written encrypted only. */
  get enabled(): boolean {
    return this.keks.length > 0;
  }

  /** Id of the KEK new envelopes are made with. */
  get primaryId(): string | undefined {
    return this.keks[0]?.id;
  }

  /** `jwk` as it is stored: sealed under the first KEK, or in clear when none is configured. */
  seal(kid: string, jwk: JWK): StoredPrivateKey {
    const primary = this.keks[0];
    if (!primary) return jwk;
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', primary.key, iv);
    cipher.setAAD(Buffer.from(kid));
    const ct = Buffer.concat([cipher.update(JSON.stringify(jwk)), cipher.final()]);
    return {
      v: 1,
      enc: 'A256GCM',
      kek: primary.id,
      iv: iv.toString('base64url'),
      tag: cipher.getAuthTag().toString('base64url'),
      ct: ct.toString('base64url'),
    };
  }

  /**
   * The clear private JWK of the stored key `kid`. Throws `SigningKeyError` when its KEK is not
   * configured or does not open it (wrong KEK, or the envelope was moved from another row).
   */
  open(kid: string, stored: StoredPrivateKey): JWK {
    if (!isSealed(stored)) return stored;
    if (stored.v !== 1) {
      throw new SigningKeyError(
        `Signing key ${kid} is stored in an unknown format (v=${stored.v}).`,
      );
    }
    const kek = this.keks.find((candidate) => candidate.id === stored.kek);
    if (!kek) {
      throw new SigningKeyError(
        `Signing key ${kid} is encrypted with key-encryption key "${stored.kek}", which keys.encryptionKeys does not list: add it back (ids: ${this.keks.map((k) => `"${k.id}"`).join(', ') || 'none'}).`,
      );
    }
    try {
      const decipher = createDecipheriv(
        'aes-256-gcm',
        kek.key,
        Buffer.from(stored.iv, 'base64url'),
      );
      decipher.setAAD(Buffer.from(kid));
      decipher.setAuthTag(Buffer.from(stored.tag, 'base64url'));
      const clear = Buffer.concat([
        decipher.update(Buffer.from(stored.ct, 'base64url')),
        decipher.final(),
      ]);
      return JSON.parse(clear.toString('utf8')) as JWK;
    } catch {
      throw new SigningKeyError(
        `Signing key ${kid} does not decrypt with key-encryption key "${stored.kek}": the key under that id in keys.encryptionKeys is not the one it was encrypted with (or the row was tampered with).`,
      );
    }
  }

  /** Whether `stored` is already sealed under the first KEK (nothing for a re-encrypt to do). */
  isCurrent(stored: StoredPrivateKey): boolean {
    return this.enabled ? isSealed(stored) && stored.kek === this.primaryId : !isSealed(stored);
  }
}
