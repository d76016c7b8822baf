import type { ClientService, ClientView } from '../clients/client.service';
import type { OAuthConfig } from '../options/oauth-config';

/** `owner` of the clients the testing helpers register, so they can find them again. */
export const TEST_CLIENT_OWNER = 'nest-oauth-server/testing';
const TEST_CLIENT_NAME = 'Test client (nest-oauth-server/testing)';
/** Never visited: test tokens skip the redirect, but authorization_code clients need one. */
const TEST_REDIRECT_URI = 'http://127.0.0.1/nest-oauth-server-testing/callback';

/**
 * The grant a client would get the token through: client_credentials for its own token, its
 * first user grant (authorization_code, or a host's) for a user's. Throws when it has none, as
 * the token endpoint would refuse it.
 */
export function grantFor(client: ClientView, forUser: boolean): string {
  if (!forUser) {
    if (client.grantTypes.includes('client_credentials')) return 'client_credentials';
    throw new Error(
      `OAuthTesting: client ${client.clientId} may not use client_credentials, so it cannot hold ` +
        'a token of its own: pass a user, or a client_credentials client.',
    );
  }
  const userGrant = client.grantTypes.find(
    (grant) => grant !== 'client_credentials' && grant !== 'refresh_token',
  );
  if (userGrant) return userGrant;
  throw new Error(
    `OAuthTesting: client ${client.clientId} has no grant that involves a user ` +
      `(${client.grantTypes.join(', ')}), so it cannot hold a user's token.`,
  );
}

/**
 * The client a test token is issued to: the one named, or a test client that allows the grant
 * and every needed scope, registered on first use and found again by its owner afterwards (no
 * cache, so a test that empties the database between tests gets a new one).
 */
export async function testClient(
  clients: ClientService,
  config: OAuthConfig,
  request: { client?: string; forUser: boolean; scopes?: string[] },
): Promise<ClientView> {
  if (request.client !== undefined) return clients.get(request.client);
  const grant = request.forUser ? 'authorization_code' : 'client_credentials';
  // Unknown scopes are left to the scope check, which names them.
  const needed = (request.scopes ?? Object.keys(config.scopes)).filter((scope) =>
    Object.hasOwn(config.scopes, scope),
  );
  const existing = (await clients.list({ owner: TEST_CLIENT_OWNER })).find(
    (client) =>
      client.grantTypes.includes(grant) && needed.every((scope) => client.scopes.includes(scope)),
  );
  if (existing) return existing;
  try {
    const { client } = await clients.register({
      name: TEST_CLIENT_NAME,
      owner: TEST_CLIENT_OWNER,
      grantTypes: [grant],
      redirectUris: grant === 'authorization_code' ? [TEST_REDIRECT_URI] : [],
      scopes: needed,
      tokenEndpointAuthMethod: authMethodFor(config, request.forUser),
    });
    return client;
  } catch (error) {
    throw new Error(
      `OAuthTesting: could not register a test client for ${grant} (${(error as Error).message}). ` +
        'Register one yourself and pass its id as `client`.',
      { cause: error },
    );
  }
}

/** A secret-based method the server accepts; a public client will do for a user's token. */
function authMethodFor(config: OAuthConfig, forUser: boolean): string {
  const methods: string[] = config.tokenEndpointAuthMethods;
  const secret = methods.find((method) => method.startsWith('client_secret_'));
  if (secret) return secret;
  if (forUser && methods.includes('none')) return 'none';
  // Registration refuses it with a message that lists the accepted methods.
  return 'client_secret_basic';
}
