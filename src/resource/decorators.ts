import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { VerifiedAccessToken } from './verified-access-token';
import type { AuthorizationDetail } from '../options/authorization-detail-type';

export const REQUIRED_SCOPES = 'OAUTH:REQUIRED_SCOPES';
export const ANY_OF_SCOPES = 'OAUTH:ANY_OF_SCOPES';

/** Every listed scope is required, e.g. `@Scopes('accounts:read')`. A handler's list replaces its controller's. */
export const Scopes = (...scopes: string[]) => SetMetadata(REQUIRED_SCOPES, scopes);
/** At least one of the listed scopes is required. */
export const AnyScope = (...scopes: string[]) => SetMetadata(ANY_OF_SCOPES, scopes);

export const IS_PUBLIC_ROUTE = 'OAUTH:PUBLIC_ROUTE';
/** Lets a route through a global `OAuthGuard` without a token. */
export const Public = () => SetMetadata(IS_PUBLIC_ROUTE, true);

export const REQUIRES_USER = 'OAUTH:REQUIRES_USER';
/** The token must have been issued to a signed-in user, not to a client for itself. */
export const RequireUser = () => SetMetadata(REQUIRES_USER, true);

export const REQUIRED_ACR = 'OAUTH:REQUIRED_ACR';

/** What `@RequireAcr` asks of the token's sign-in. */
export interface AcrRequirement {
  /** The weakest acceptable level, one of the `acr.levels` option. */
  level: string;
  /** The sign-in may be at most this many seconds old (RFC 9470 `max_age`). Default: any age. */
  maxAge?: number;
}

/**
 * The token must come from a user's sign-in at `level` or stronger (in the order of the
 * `acr.levels` option), and, with `maxAge`, at most that many seconds ago. Otherwise the guard
 * answers 401 `insufficient_user_authentication` with `acr_values` (and `max_age`) in its
 * challenge (RFC 9470 §3), telling the client to send the user through a stronger sign-in. A
 * route's `@Scopes` imply their levels (`acr.scopes`) without it. A handler's replaces its
 * controller's.
 */
export const RequireAcr = (level: string, options: { maxAge?: number } = {}) =>
  SetMetadata<string, AcrRequirement>(REQUIRED_ACR, { level, ...options });

/** Where OAuthGuard leaves the verified token on the request. */
export const ACCESS_TOKEN_REQUEST_KEY = 'oauthAccessToken';

/** The verified access token of the request (`VerifiedAccessToken`). */
export const AccessToken = createParamDecorator(
  (_data: unknown, context: ExecutionContext): VerifiedAccessToken | undefined =>
    context.switchToHttp().getRequest()[ACCESS_TOKEN_REQUEST_KEY],
);

export const ACCEPTED_DETAIL_TYPES = 'OAUTH:ACCEPTED_DETAIL_TYPES';
/**
 * RFC 9396: a token carrying an authorization detail of one of these types passes the route's
 * `@Scopes` / `@AnyScope` check without the scopes; the handler then decides what the detail
 * allows (read it with `@AuthorizationDetails(type)`). A token with neither the scopes nor such
 * a detail gets 403 `insufficient_scope`.
 */
export const AcceptAuthorizationDetails = (...types: string[]) =>
  SetMetadata(ACCEPTED_DETAIL_TYPES, types);

/**
 * The authorization details (RFC 9396) of the request's token, only those of `type` when given;
 * an empty array when it has none.
 */
export const AuthorizationDetails = createParamDecorator(
  (type: string | undefined, context: ExecutionContext): AuthorizationDetail[] =>
    authorizationDetailsOf(context.switchToHttp().getRequest()[ACCESS_TOKEN_REQUEST_KEY], type),
);

/** The token's authorization details (RFC 9396), only those of `type` when given. */
export function authorizationDetailsOf(
  token: Pick<VerifiedAccessToken, 'authorizationDetails'> | undefined,
  type?: string,
): AuthorizationDetail[] {
  const details = token?.authorizationDetails ?? [];
  return type === undefined ? details : details.filter((detail) => detail.type === type);
}

/** The user the token acts for: `{ id }`, or undefined for a client's own token. */
export const OAuthUser = createParamDecorator((_data: unknown, context: ExecutionContext) => {
  const token: VerifiedAccessToken | undefined = context.switchToHttp().getRequest()[
    ACCESS_TOKEN_REQUEST_KEY
  ];
  return token?.userId
    ? { id: token.userId, clientId: token.clientId, scopes: token.scopes }
    : undefined;
});
