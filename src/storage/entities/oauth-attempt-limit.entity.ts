import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { EpochMsColumn, HASH_LENGTH } from '../columns';

/**
 * Recent failed attempts of one kind by one party (a username at the password grant, a client
 * address at the device verification page), so guessing can be slowed down on every instance.
 */
@Entity('oauth_attempt_limits')
export class OAuthAttemptLimit {
  /** Hash of `kind:party`: usernames and addresses are not stored in clear. */
  @PrimaryColumn({ name: 'id', type: 'varchar', length: HASH_LENGTH })
  id: string;

  @Column({ name: 'failures', type: 'integer' })
  failures: number;

  /** No attempt is accepted before this time. */
  @EpochMsColumn('blocked_until', { nullable: true })
  blockedUntil: number | null;

  /** When the failures are forgotten (a while after the last one). */
  @Index()
  @EpochMsColumn('expires_at')
  expiresAt: number;
}
