import { Client, clientCredentialsToken } from './client-credentials';
import type { RunningApp } from './running-app';

/**
 * The README's promise to a new host, over HTTP: a client_credentials token opens the
 * `@Scopes('accounts:read')` route; no token is a 401; a client's own token is not a user.
 */
export async function expectGuardedRouteToWork(app: RunningApp, client: Client): Promise<void> {
  const token = await clientCredentialsToken(app.url, client, 'accounts:read');
  const get = (path: string, headers: Record<string, string> = {}) =>
    fetch(`${app.url}${path}`, { headers });
  const bearer = { authorization: `Bearer ${token}` };

  const accounts = await get('/api/accounts', bearer);
  expect(await accounts.json()).toEqual({
    owner: null,
    client: client.clientId,
    scopes: ['accounts:read'],
  });
  expect(accounts.status).toBe(200);
  expect((await get('/api/accounts')).status).toBe(401);
  const me = await get('/api/me', bearer);
  expect(me.status).toBe(401);
  expect(me.headers.get('www-authenticate')).toMatch(/insufficient_user_authentication/);
}
