import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

export interface Client {
  clientId: string;
  clientSecret: string;
}

/** The README's CLI line: registers a client_credentials client in the app's database. */
export function createClientWithCli(app: string, env: Record<string, string>): Client {
  const result = spawnSync(
    process.execPath,
    [
      path.join(app, 'node_modules/nest-oauth-server/dist/cli/main.js'),
      ...['clients', 'create', '--config', 'oauth.config.js', '--name', 'Reporting job'],
      ...['--grant-type', 'client_credentials', '--scope', 'accounts:read'],
    ],
    { cwd: app, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000 },
  );
  const output = `${result.stdout}${result.stderr}`;
  const clientId = /client_id:\s+(\S+)/.exec(output)?.[1];
  const clientSecret = /client_secret:\s+(\S+)/.exec(output)?.[1];
  if (result.status !== 0 || !clientId || !clientSecret) {
    throw new Error(`the CLI did not create a client (${result.status}):\n${output}`);
  }
  return { clientId, clientSecret };
}

/** POST /oauth/token with grant_type=client_credentials and HTTP Basic client authentication. */
export async function clientCredentialsToken(
  url: string,
  client: Client,
  scope: string,
): Promise<string> {
  const basic = Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64');
  const response = await fetch(`${url}/oauth/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${basic}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope }),
  });
  const body = await response.json();
  if (response.status !== 200) {
    throw new Error(`token endpoint: ${response.status} ${JSON.stringify(body)}`);
  }
  return body.access_token;
}
