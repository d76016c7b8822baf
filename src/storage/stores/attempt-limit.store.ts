import type { OAuthAttemptLimit } from '../entities/oauth-attempt-limit.entity';

/** Failed-attempt counters (see AttemptLimiter). Times are epoch milliseconds. */
export abstract class AttemptLimitStore {
  abstract find(id: string): Promise<OAuthAttemptLimit | null>;

  /**
   * Counts one more failure of `id` (starting from zero when its failures were forgotten by
   * `now`), keeps it until `expiresAt`, and returns the count. Concurrent failures all count.
   */
  abstract addFailure(id: string, now: number, expiresAt: number): Promise<number>;

  /** Refuses attempts of `id` until `until` (never shortens a longer block). */
  abstract block(id: string, until: number): Promise<void>;

  /** Forgets the failures of `id` (after a success). */
  abstract clear(id: string): Promise<void>;

  /** Deletes at most `batchSize` counters forgotten before `now`; returns how many. */
  abstract deleteExpired(now: number, batchSize: number): Promise<number>;
}
