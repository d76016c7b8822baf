import type { OAuthFlowsObject, SecuritySchemeObject } from '@nestjs/swagger';
import { OAUTH_PATHS } from '../oauth.constants';
import type { OAuthConfig } from '../options/oauth-config';

/** The name of the security scheme the integration adds and every requirement refers to. */
export const OAUTH2_SCHEME = 'oauth2';

/**
 * The `oauth2` security scheme of this server: a flow per enabled grant, at the URLs the
 * discovery document publishes, each with the scopes that flow can grant and their consent-page
 * descriptions (a `userOnly` scope never comes from client_credentials).
 */
export function oauth2SecurityScheme(config: OAuthConfig): SecuritySchemeObject {
  const url = (path: string) => `${config.issuer}${path}`;
  const scopes = (forClient: boolean) =>
    Object.fromEntries(
      Object.entries(config.scopes)
        .filter(([, scope]) => !(forClient && scope.userOnly))
        .map(([name, scope]) => [name, scope.description]),
    );
  const flows: OAuthFlowsObject = {};
  if (config.grantTypes.includes('authorization_code')) {
    flows.authorizationCode = {
      authorizationUrl: url(OAUTH_PATHS.authorize),
      tokenUrl: url(OAUTH_PATHS.token),
      ...(config.grantTypes.includes('refresh_token')
        ? { refreshUrl: url(OAUTH_PATHS.token) }
        : {}),
      scopes: scopes(false),
    };
  }
  if (config.grantTypes.includes('client_credentials')) {
    flows.clientCredentials = { tokenUrl: url(OAUTH_PATHS.token), scopes: scopes(true) };
  }
  return {
    type: 'oauth2',
    description: `Access tokens of ${config.issuer} (discovery: ${url(OAUTH_PATHS.serverMetadata)}).`,
    flows,
  };
}
