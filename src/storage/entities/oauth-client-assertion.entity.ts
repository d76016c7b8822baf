import { Entity, Index, PrimaryColumn } from 'typeorm';
import { EpochMsColumn, HASH_LENGTH } from '../columns';

/**
 * A `private_key_jwt` client assertion already used (RFC 7523 §3: a `jti` may be used once).
 * Kept until the assertion expires; the primary key makes a replay fail on insert.
 */
@Entity('oauth_client_assertions')
export class OAuthClientAssertion {
  /** SHA-256 of client_id and jti. */
  @PrimaryColumn({ name: 'id', type: 'varchar', length: HASH_LENGTH })
  id: string;

  @Index()
  @EpochMsColumn('expires_at')
  expiresAt: number;
}
