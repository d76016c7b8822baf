import type { OAuthToken } from '../entities/oauth-token.entity';

/** Whose grants: a user's, a client's, or a user's at one client. */
export interface GrantOwner {
  subject?: string;
  clientId?: string;
}

/** Which tokens to revoke: by row, family, originating code, user or client. */
export type TokenSelector = Partial<
  Pick<OAuthToken, 'id' | 'familyId' | 'originCodeId' | 'subject' | 'clientId'>
>;

/** One authorization (token family) of a user that may still be used. */
export interface LiveFamily {
  familyId: string;
  clientId: string;
  /** Every scope its rows carry (access and refresh scopes). */
  scopes: string[];
}

/**
 * Token rows (one per access token, with the refresh token of the same issue). Single use is
 * the database's job: `insertIfRefreshSpent` and `insertIfCodeSpent` spend and store in one
 * atomic step, so of concurrent callers exactly one succeeds.
 */
export abstract class TokenStore {
  abstract findById(id: string): Promise<OAuthToken | null>;
  abstract findByAccessTokenHash(hash: string): Promise<OAuthToken | null>;
  abstract findByRefreshTokenHash(hash: string): Promise<OAuthToken | null>;

  /** What the strict revocation check reads on every protected request: client and revocation. */
  abstract findRevocationStatus(
    id: string,
  ): Promise<Pick<OAuthToken, 'clientId' | 'revokedAt'> | null>;

  abstract insert(row: OAuthToken): Promise<void>;

  /**
   * Marks the refresh token of row `previousId` used (only if it was unused and not revoked) and
   * stores `row`, both or neither. False, with nothing stored, when it was used before: reuse.
   */
  abstract insertIfRefreshSpent(previousId: string, row: OAuthToken, at: number): Promise<boolean>;

  /**
   * The row whose refresh token was issued by rotating `row`'s: the next of its family. Every
   * row is spent at most once and each spend inserts the next row (`refreshCount + 1`), so a
   * family is a chain with at most one row per count (rows of refreshes that did not rotate
   * carry no refresh token and are not part of the chain). Null when there is none.
   */
  abstract findRefreshSuccessor(
    row: Pick<OAuthToken, 'familyId' | 'refreshCount'>,
  ): Promise<OAuthToken | null>;

  /**
   * For a retry after a lost refresh response: marks the refresh token of row `successorId` used
   * and revokes the row (only if it was unused and not revoked), and stores `row` (the next of
   * the family), all or nothing. False, with nothing stored, when the successor was used or
   * revoked before: reuse.
   */
  abstract insertIfRefreshSuperseded(
    successorId: string,
    row: OAuthToken,
    at: number,
  ): Promise<boolean>;

  /**
   * Marks authorization code `codeId` used (only if it was unused) and stores `row`, both or
   * neither. False, with nothing stored, when it was used before: a replay.
   */
  abstract insertIfCodeSpent(codeId: string, row: OAuthToken, at: number): Promise<boolean>;

  /**
   * Revokes the not yet revoked tokens `selector` matches; returns how many. Runs after any
   * spend-and-store in progress has finished, so a family revoked for reuse includes what the
   * winning refresh just stored.
   */
  abstract revoke(selector: TokenSelector, at: number): Promise<number>;

  /**
   * In one transaction: revokes the owner's tokens, deletes its unused authorization codes and
   * forgets its remembered consent. Returns how many tokens were revoked.
   */
  abstract revokeGrants(owner: GrantOwner, at: number): Promise<number>;

  /**
   * The user's families with a row that is not revoked and whose access token or refresh token
   * has not expired at `now`: what a logout may revoke, and the clients it tells.
   */
  abstract listLiveFamilies(subject: string, now: number): Promise<LiveFamily[]>;

  /** Deletes at most `batchSize` rows whose access token and refresh family have both expired. */
  abstract deleteExpired(now: number, batchSize: number): Promise<number>;
}
