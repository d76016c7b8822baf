import { Client, clientCredentialsToken, createClientWithCli } from './client-credentials';
import { RunningApp, startApp } from './running-app';

/**
 * Starts the built app (`node <entry>`) on the adapter, registers a client with the README's CLI
 * line in the same database, and checks the guarded route with that client's token.
 */
export async function expectReadmeClientToReachGuardedRoute(
  appDir: string,
  entry: string,
  adapter: string,
  database: string,
): Promise<void> {
  const env = { DATABASE_FILE: database };
  const app = await startApp(appDir, [entry], { ...env, HTTP_ADAPTER: adapter });
  try {
    await expectGuardedRouteToWork(app, createClientWithCli(appDir, env));
  } catch (error) {
    const message = `${(error as Error).message}\n--- the app printed:\n${app.output()}`;
    throw new Error(message, { cause: error });
  } finally {
    await app.stop();
  }
}

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
