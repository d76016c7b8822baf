import type { AuthorizationDetail } from '../options/authorization-detail-type';

/** What a grant decided; TokenIssuer turns it into tokens and stores them. */
export interface TokenGrantDecision {
  clientId: string;
  /** The user, or null for tokens an application holds for itself (client_credentials). */
  subject: string | null;
  /** Scopes of the access token. */
  scopes: string[];
  /** Scopes of the refresh token when they differ (a narrowed refresh). Default: `scopes`. */
  refreshScopes?: string[];
  /**
   * RFC 9396 authorization details of the access token (validated by their types before they
   * get here). Default: none.
   */
  authorizationDetails?: AuthorizationDetail[] | null;
  /** Details of the refresh token when they differ (a narrowed refresh). Default: `authorizationDetails`. */
  refreshAuthorizationDetails?: AuthorizationDetail[] | null;
  grantType: string;
  /** `aud` of the access token. Default: the `accessTokenAudience` option. */
  audience?: string[];
  /** Issue a refresh token with the access token. */
  withRefreshToken: boolean;
  /** Continue an existing family (refresh) instead of starting one. */
  family?: { id: string; refreshCount: number; refreshExpiresAt: number };
  /** The authorization code the tokens come from, if any (a replay revokes them). */
  originCodeId?: string | null;
  /** OIDC auth_time, seconds since the epoch. */
  authTime?: number | null;
  /** OIDC `acr` of that sign-in: carried into the tokens, never raised by a refresh. */
  acr?: string | null;
  /** OIDC `amr` of that sign-in. */
  amr?: string[] | null;
  /**
   * Bind the access token (and a public client's refresh token) to this DPoP key: the SHA-256
   * JWK thumbprint of the request's proof (`TokenRequest.dpop.jkt`). The response then says
   * `token_type: DPoP` and a JWT access token carries `cnf.jkt` (RFC 9449 §6).
   */
  dpopJkt?: string | null;
}
