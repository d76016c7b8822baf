import {
  checkAuthorizationDetails,
  narrowAuthorizationDetails,
  parseAuthorizationDetails,
} from '../authorization-details/authorization-details';
import { OAuthException } from '../errors/oauth.exception';
import type { AuthorizationDetail } from '../options/authorization-detail-type';
import type { OAuthConfig } from '../options/oauth-config';
import type { TokenRequest } from './oauth-grant.interface';

/**
 * The `authorization_details` of a token request (RFC 9396 §6), checked for shape, the client's
 * types and the types' validators; undefined when the request has none.
 */
export async function requestedAuthorizationDetails(
  request: TokenRequest,
  config: OAuthConfig,
  userId: string | null,
): Promise<AuthorizationDetail[] | undefined> {
  const details = parseAuthorizationDetails(
    request.params.authorization_details,
    config,
    request.client,
  );
  if (details)
    await checkAuthorizationDetails(details, config, { clientId: request.client.clientId, userId });
  return details;
}

/**
 * What a token request gets out of a grant's details: the grant itself, or (RFC 9396 §6.1,
 * §7) the narrower details the request names; never more (`invalid_authorization_details`).
 */
export async function narrowedAuthorizationDetails(
  request: TokenRequest,
  config: OAuthConfig,
  granted: AuthorizationDetail[] | null,
  userId: string | null,
): Promise<AuthorizationDetail[] | null> {
  const requested = await requestedAuthorizationDetails(request, config, userId);
  return narrowAuthorizationDetails(requested, granted, config);
}

/**
 * Where RFC 9396 details are not supported (the device flow, the password grant): refused
 * rather than ignored, so a client never gets a token without the details it asked for and
 * only finds out at the resource.
 */
export function refuseAuthorizationDetails(params: Record<string, string>, where: string): void {
  if (params.authorization_details !== undefined) {
    throw OAuthException.invalidRequest(
      `authorization_details is not supported at ${where}: use the authorization code flow.`,
    );
  }
}
