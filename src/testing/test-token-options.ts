/** Who a test token is for: a user (through a client), or a client acting for itself. */
export interface TestTokenOptions {
  /**
   * The user the token acts for (its `sub`, `@OAuthUser().id`). Omit it for a client's own
   * token (as client_credentials issues): then `@OAuthUser()` is undefined.
   */
  user?: string;
  /**
   * The id of a registered client the token is issued to. Omit it and a test client is
   * registered (once, then reused) with the grant and scopes the token needs.
   */
  client?: string;
  /**
   * Scopes of the token, checked as the token endpoint checks them: offered by the server,
   * allowed for the client, no `userOnly` scope without a user. Default: every scope the client
   * may have, as a token request without `scope` gets. `[]` issues a token without any scope.
   */
  scopes?: string[];
  /**
   * For a user's token: the level the user signed in at (`acr`, one of the `acr.levels`
   * option), e.g. `'low'` to test a route's refusal. Default: the level the token's scopes
   * need (`acr.scopes`), so the token passes their routes; none when they need none.
   */
  acr?: string;
  /** For a user's token: how the user signed in (`amr`), e.g. `['pwd', 'otp']`. Default: none. */
  amr?: string[];
}

/** A test token and what it was issued as. */
export interface TestAccessToken {
  /** The access token: an RFC 9068 JWT or an opaque token, as the module is configured. */
  accessToken: string;
  /** The token's id (`jti`, `@AccessToken().id`). */
  tokenId: string;
  clientId: string;
  userId: string | null;
  scopes: string[];
  /** Seconds until it expires (the module's `accessTokenTtl`). */
  expiresIn: number;
}
