import type { AuthorizationDetail } from '../options/authorization-detail-type';

/** An access token that passed verification: what `@AccessToken()` gives a handler. */
export interface VerifiedAccessToken {
  /** Token id (`jti`). */
  id: string;
  /** The user the token acts for, or null for a client's own token (client_credentials). */
  userId: string | null;
  clientId: string;
  scopes: string[];
  audience: string[];
  /** Seconds since the epoch. */
  issuedAt: number;
  /** Seconds since the epoch. */
  expiresAt: number;
  /** OIDC auth_time when the user's sign-in time is known. */
  authTime?: number;
  /** OIDC `acr`: how strongly the user signed in (one of the `acr.levels` option), when known. */
  acr?: string;
  /** OIDC `amr`: how the user signed in (RFC 8176 method names), when known. */
  amr?: string[];
  /**
   * The DPoP key the token is bound to (RFC 9449 `cnf.jkt`, a SHA-256 JWK thumbprint): such a
   * token was accepted only with a proof of that key.
   */
  dpopJkt?: string;
  /**
   * RFC 9396: the authorization details the token grants (the JWT's `authorization_details`
   * claim, or the stored row of an opaque token); absent when it has none. Read them with
   * `@AuthorizationDetails(type)` or `authorizationDetailsOf(token, type)`.
   */
  authorizationDetails?: AuthorizationDetail[];
}
