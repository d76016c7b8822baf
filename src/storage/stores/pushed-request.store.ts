import type { OAuthPushedRequest } from '../entities/oauth-pushed-request.entity';

/** Pushed authorization requests (RFC 9126), stored by the hash of their `request_uri`. */
export abstract class PushedRequestStore {
  abstract insert(row: OAuthPushedRequest): Promise<void>;

  /**
   * Uses up the request `id` of `clientId` at `now`, in one conditional statement, only if it is
   * neither used nor expired; returns it, or null when this call did not take it (unknown,
   * another client's, expired, or taken before), so two redemptions cannot both succeed.
   */
  abstract take(id: string, clientId: string, now: number): Promise<OAuthPushedRequest | null>;

  /** Deletes at most `batchSize` requests that expired before `now`; returns how many. */
  abstract deleteExpired(now: number, batchSize: number): Promise<number>;
}
