import type { ResponseObject, SecurityRequirementObject } from '@nestjs/swagger';
import { oauthErrorResponse, WWW_AUTHENTICATE_BEARER } from './oauth-error-schema';
import type { ProtectedRoute } from './protected-routes';
import { OAUTH2_SCHEME } from './security-scheme';

/**
 * The route's rules as OpenAPI security requirements. `@Scopes` is one requirement with all its
 * scopes; `@AnyScope` makes one alternative per scope (OpenAPI ORs the entries of the list).
 */
export function securityRequirements(route: ProtectedRoute): SecurityRequirementObject[] {
  if (route.anyOf.length === 0) return [{ [OAUTH2_SCHEME]: route.allOf }];
  return route.anyOf.map((scope) => ({
    [OAUTH2_SCHEME]: [...new Set([...route.allOf, scope])],
  }));
}

/**
 * The 401 and (when a scope is required) 403 that OAuthGuard answers on this route. `level` is
 * the sign-in level the route needs (`@RequireAcr`, or its `@Scopes` through `acr.scopes`).
 */
export function guardResponses(
  route: ProtectedRoute,
  level?: string,
): Record<string, ResponseObject> {
  const unauthorizedCodes = ['invalid_request', 'invalid_token'];
  let unauthorized = 'No access token, or one that is not valid (expired, revoked, malformed).';
  if (route.requiresUser || level !== undefined || route.acr?.maxAge !== undefined) {
    unauthorizedCodes.push('insufficient_user_authentication');
    unauthorized += ' A token a client holds for itself is refused: this route needs a user.';
  }
  if (level !== undefined) {
    unauthorized += ` The user must have signed in at level ${level} or higher (RFC 9470: the challenge names acr_values).`;
  }
  if (route.acr?.maxAge !== undefined) {
    unauthorized += ` The sign-in may be at most ${route.acr.maxAge} seconds old (max_age).`;
  }
  const responses: Record<string, ResponseObject> = {
    401: oauthErrorResponse(unauthorized, unauthorizedCodes, WWW_AUTHENTICATE_BEARER),
  };
  const scopes = [...route.allOf, ...route.anyOf];
  if (scopes.length > 0) {
    responses[403] = oauthErrorResponse(
      'The access token lacks a scope this route requires.',
      ['insufficient_scope'],
      WWW_AUTHENTICATE_BEARER,
    );
  }
  return responses;
}
