import type { OAuthInteraction } from '../entities/oauth-interaction.entity';

/**
 * Where pending authorization requests (interactions) are kept between the authorize request,
 * the sign-in and the consent decision. Services depend on this, never on a repository, so the
 * storage can change without them. Times are epoch milliseconds.
 */
export abstract class InteractionStore {
  /** Stores a new interaction. */
  abstract insert(row: OAuthInteraction): Promise<void>;

  /** The interaction `id` if it is neither used up nor expired at `now`; otherwise null. */
  abstract findPending(id: string, now: number): Promise<OAuthInteraction | null>;

  /** Records who is deciding on the interaction (the signed-in user at the consent step). */
  abstract setSubject(id: string, subject: string): Promise<void>;

  /**
   * Moves a pending interaction to a new browser-binding hash, in one atomic statement, only if
   * it is still bound to `fromHash`, not used up and not expired at `now`: true when it moved.
   */
  abstract rebind(id: string, fromHash: string, toHash: string, now: number): Promise<boolean>;

  /**
   * Uses the interaction up at `at`, in one atomic statement: true only for the call that
   * changed it, so two decisions racing on one interaction cannot both succeed.
   */
  abstract consume(id: string, at: number): Promise<boolean>;

  /** Deletes at most `batchSize` interactions that expired before `now`; returns how many. */
  abstract deleteExpired(now: number, batchSize: number): Promise<number>;
}
