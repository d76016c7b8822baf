// oidc-provider, configured as close to nest-oauth-server's defaults as it allows: RS256, the
// same token lifetimes, JWT access tokens (RFC 9068) through resource indicators, rotating
// refresh tokens, PKCE, client_secret_basic, introspection and client_credentials enabled.
// Storage is oidc-provider's own in-memory adapter (it ships no database adapter), with its LRU
// store raised from 1,000 to 2,000,000 entries: the default evicts grants and tokens once a
// thousand newer entries exist, which the refresh-token pool of the bench exceeds. JWT access
// tokens are not stored at all by oidc-provider, while ours stores a row for each.
import { createHash, randomBytes } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import { serveCommands } from '../lib/ipc';
import {
  BENCH_ACCESS_TOKEN_ALG,
  BENCH_RESOURCE,
  BENCH_TTL,
  BENCH_USER,
  REDIRECT_URI,
} from './common';

const importEsm = new Function('specifier', 'return import(specifier)') as (
  specifier: string,
) => Promise<any>;

const CC_CLIENT = { id: 'cc-client', secret: randomBytes(32).toString('base64url') };
const WEB_CLIENT = { id: 'web-client', secret: randomBytes(32).toString('base64url') };
const basic = (client: { id: string; secret: string }) =>
  `Basic ${Buffer.from(`${encodeURIComponent(client.id)}:${encodeURIComponent(client.secret)}`).toString('base64')}`;

async function main(): Promise<void> {
  // Quiet the "Unsupported runtime" notice on Node 20: it goes to stderr once per process.
  const { default: Provider } = await importEsm('oidc-provider');
  const { default: MemoryAdapter } = await importEsm(
    'oidc-provider/lib/adapters/memory_adapter.js',
  );
  const { default: LRU } = await importEsm('oidc-provider/lib/helpers/lru.js');
  const store = new LRU({ maxSize: 2_000_000 });
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), alg: 'RS256', use: 'sig', kid: 'bench-rs256' };
  const keys = [jwk];
  if (BENCH_ACCESS_TOKEN_ALG !== 'RS256') {
    const other = await generateKeyPair(BENCH_ACCESS_TOKEN_ALG, { extractable: true });
    keys.push({
      ...(await exportJWK(other.privateKey)),
      alg: BENCH_ACCESS_TOKEN_ALG,
      use: 'sig',
      kid: `bench-${BENCH_ACCESS_TOKEN_ALG.toLowerCase()}`,
    });
  }

  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const provider = new Provider(url, {
    clients: [
      {
        client_id: CC_CLIENT.id,
        client_secret: CC_CLIENT.secret,
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
        token_endpoint_auth_method: 'client_secret_basic',
        scope: 'accounts:read',
      },
      {
        client_id: WEB_CLIENT.id,
        client_secret: WEB_CLIENT.secret,
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        redirect_uris: [REDIRECT_URI],
        token_endpoint_auth_method: 'client_secret_basic',
        scope: 'openid offline_access accounts:read',
      },
    ],
    adapter: (model: string) => new MemoryAdapter(model, store, 0),
    jwks: { keys },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    scopes: ['openid', 'offline_access', 'accounts:read'],
    findAccount: (_ctx: unknown, id: string) => ({ accountId: id, claims: () => ({ sub: id }) }),
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      // Like ours: a client may introspect its own tokens.
      introspection: {
        enabled: true,
        allowedPolicy: (
          _ctx: unknown,
          client: { clientId: string },
          token: { clientId?: string },
        ) => client.clientId === token.clientId,
      },
      revocation: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => BENCH_RESOURCE,
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({
          scope: 'accounts:read',
          audience: BENCH_RESOURCE,
          accessTokenTTL: BENCH_TTL.accessToken,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: BENCH_ACCESS_TOKEN_ALG } },
        }),
      },
    },
    ttl: {
      AccessToken: BENCH_TTL.accessToken,
      ClientCredentials: BENCH_TTL.accessToken,
      AuthorizationCode: BENCH_TTL.authorizationCode,
      IdToken: BENCH_TTL.idToken,
      RefreshToken: BENCH_TTL.refreshToken,
      Interaction: BENCH_TTL.interaction,
      Grant: BENCH_TTL.refreshToken,
      Session: 14 * 24 * 3600,
    },
    // Ours rotates every refresh token; oidc-provider's default rotates only public clients'.
    rotateRefreshToken: true,
    pkce: { required: () => true },
    interactions: {
      url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}`,
    },
  });
  // Log nothing per request.
  provider.on('server_error', (_ctx: unknown, error: Error) =>
    console.error('oidc-provider server_error', error),
  );

  const callback = provider.callback();
  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    if (req.url?.startsWith('/interaction/')) {
      // The sign-in and consent pages: the bench user signs in and grants what was asked.
      void finishInteraction(req, res).catch((error) => {
        console.error(error);
        res.statusCode = 500;
        res.end();
      });
      return;
    }
    callback(req, res);
  });

  async function finishInteraction(req: http.IncomingMessage, res: http.ServerResponse) {
    const details = await provider.interactionDetails(req, res);
    if (process.env.BENCH_DEBUG)
      console.error(JSON.stringify(details.prompt), details.session, details.grantId);
    const grant = new provider.Grant({ accountId: BENCH_USER, clientId: details.params.client_id });
    grant.addOIDCScope('openid accounts:read');
    grant.addResourceScope(BENCH_RESOURCE, 'accounts:read');
    const grantId = await grant.save();
    await provider.interactionFinished(
      req,
      res,
      { login: { accountId: BENCH_USER }, consent: { grantId } },
      { mergeWithLastSubmission: false },
    );
  }

  /** Signs the bench user in once (a full interactive flow) and returns the session cookies. */
  async function signedInCookies(): Promise<string> {
    const jar = new Map<string, string>();
    const remember = (response: Response) => {
      for (const cookie of response.headers.getSetCookie()) {
        const [pair] = cookie.split(';');
        const eq = pair.indexOf('=');
        jar.set(pair.slice(0, eq), pair.slice(eq + 1));
      }
    };
    const cookieHeader = () => [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
    const verifier = randomBytes(32).toString('base64url');
    const query = new URLSearchParams({
      client_id: WEB_CLIENT.id,
      response_type: 'code',
      scope: 'openid accounts:read',
      redirect_uri: REDIRECT_URI,
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
      state: 'setup',
      resource: BENCH_RESOURCE,
    });
    let next = `${url}/auth?${query}`;
    for (let hop = 0; hop < 5; hop++) {
      const response = await fetch(next, {
        redirect: 'manual',
        headers: { cookie: cookieHeader() },
      });
      remember(response);
      const location = response.headers.get('location');
      if (process.env.BENCH_DEBUG)
        console.error(hop, next, response.status, location, response.headers.getSetCookie());
      if (!location)
        throw new Error(
          `sign-in flow stopped at ${next}: ${response.status} ${await response.text()}`,
        );
      if (location.startsWith(REDIRECT_URI)) {
        if (!new URL(location).searchParams.get('code'))
          throw new Error(`sign-in flow failed: ${location}`);
        return [...jar]
          .filter(([name]) => name.startsWith('_session'))
          .map(([name, value]) => `${name}=${value}`)
          .join('; ');
      }
      next = new URL(location, url).href;
    }
    throw new Error('sign-in flow did not reach the redirect URI');
  }

  /** Refresh tokens of the web client, each of its own authorization (grant), like ours. */
  async function refreshTokens(count: number): Promise<string[]> {
    const client = await provider.Client.find(WEB_CLIENT.id);
    const tokens: string[] = [];
    for (let i = 0; i < count; i++) {
      const grant = new provider.Grant({ accountId: BENCH_USER, clientId: WEB_CLIENT.id });
      grant.addOIDCScope('offline_access');
      grant.addResourceScope(BENCH_RESOURCE, 'accounts:read');
      const token = new provider.RefreshToken({
        accountId: BENCH_USER,
        client,
        grantId: await grant.save(),
        gty: 'authorization_code',
        scope: 'offline_access accounts:read',
        resource: BENCH_RESOURCE,
        iiat: Math.floor(Date.now() / 1000),
      });
      tokens.push(await token.save());
    }
    return tokens;
  }

  serveCommands(
    url,
    {
      setup: async () => ({
        paths: { token: '/token', authorize: '/auth', introspection: '/token/introspection' },
        clientCredentials: {
          authorization: basic(CC_CLIENT),
          body: 'grant_type=client_credentials&scope=accounts%3Aread',
        },
        web: {
          clientId: WEB_CLIENT.id,
          authorization: basic(WEB_CLIENT),
          redirectUri: REDIRECT_URI,
          scope: 'openid accounts:read',
          authorizeHeaders: { cookie: await signedInCookies() },
          // Without a resource indicator, oidc-provider issues an opaque access token at the code exchange.
          authorizeParams: { resource: BENCH_RESOURCE },
        },
      }),
      refreshTokens: (count) => refreshTokens(count as number),
    },
    () => new Promise<void>((resolve) => server.close(() => resolve())),
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
