import type { OAuthAttemptLimit } from '../entities/oauth-attempt-limit.entity';

/** A counter's state: its failures, its block and when it is forgotten (epoch milliseconds). */
export type AttemptCount = Pick<OAuthAttemptLimit, 'failures' | 'blockedUntil' | 'expiresAt'>;

/** Failed-attempt counters (see AttemptLimiter). Times are epoch milliseconds. */
export abstract class AttemptLimitStore {
  abstract find(id: string): Promise<OAuthAttemptLimit | null>;

  /**
   * Writes `next` for `id` only if the counter is still as `seen` (null: no row yet), and says
   * whether it did: of concurrent writers that saw the same state exactly one wins, so no
   * attempt is lost or counted twice, on any number of instances.
   */
  abstract replace(id: string, seen: AttemptCount | null, next: AttemptCount): Promise<boolean>;

  /** Forgets the failures of `id` (after a success). */
  abstract clear(id: string): Promise<void>;

  /** Deletes at most `batchSize` counters forgotten before `now`; returns how many. */
  abstract deleteExpired(now: number, batchSize: number): Promise<number>;
}
