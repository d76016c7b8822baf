import type { OAuthConfig } from '../options/oauth-config';

/**
 * Whether a grant for a user comes with a refresh token: only for clients registered for the
 * refresh_token grant on a server that enables it; for OpenID requests on a server that defines
 * `offline_access`, only when the user granted it (OIDC Core §11).
 */
export function mayIssueRefreshToken(
  config: Pick<OAuthConfig, 'grantTypes' | 'scopes'>,
  clientGrants: string[],
  scopes: string[],
): boolean {
  if (!clientGrants.includes('refresh_token') || !config.grantTypes.includes('refresh_token'))
    return false;
  if (scopes.includes('openid') && Object.hasOwn(config.scopes, 'offline_access'))
    return scopes.includes('offline_access');
  return true;
}
