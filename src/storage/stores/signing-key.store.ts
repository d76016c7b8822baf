import type { StoredPrivateKey } from '../../keys/key-encryption';
import type { OAuthSigningKey } from '../entities/oauth-signing-key.entity';

/** What `SigningKeyStore.retire` found: the decision is taken on the stored status. */
export type RetireOutcome = 'retired' | 'not_found' | 'active';

/**
 * Stored signing keys (private JWKs), for deployments whose keys the server generates. Read
 * about once a minute per instance, so one portable implementation is enough.
 */
export abstract class SigningKeyStore {
  /** The keys that sign or verify: `active` and `retiring`. */
  abstract listUsable(): Promise<OAuthSigningKey[]>;
  /** Every key, retired ones included, oldest first. */
  abstract list(): Promise<OAuthSigningKey[]>;
  abstract insert(row: OAuthSigningKey): Promise<void>;
  /**
   * Inserts `row`, an instance's first key for its algorithm, unless an active key of that
   * algorithm is stored already; false when one was. Several instances starting together on a
   * fresh database call it at once: exactly one of them may insert.
   */
  abstract insertFirstActive(row: OAuthSigningKey): Promise<boolean>;
  /** Replaces the stored private key of `kid` (re-encrypted); false when there is no such key. */
  abstract updatePrivateKey(kid: string, privateJwk: StoredPrivateKey): Promise<boolean>;
  /**
   * Makes these keys stop signing (after a rotation made their successors). Only keys still
   * `active` in storage change: a key another instance retired meanwhile stays retired.
   */
  abstract markRetiring(kids: string[], at: number): Promise<void>;
  /**
   * Retires `kid` if it is `retiring`, deciding on the stored status in one statement (another
   * instance may have rotated since this one last read): `retired` when it is retired now (by
   * this call or before), `active` when it still signs, `not_found` when there is no such key.
   */
  abstract retire(kid: string, at: number): Promise<RetireOutcome>;
}
