// Client authentication at POST /oauth/token (RFC 6749 §2.3, RFC 7523 §2.2): every method,
// and every way it can fail, on SQLite and PostgreSQL.
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, type CryptoKey, type JWK, SignJWT } from 'jose';
import { TEST_TARGETS } from '../support/targets';
import { startTestApp, TestApp } from '../support/test-app';
import {
  basicAuth,
  basicHeaders,
  clientCredentials,
  postForm,
  refresh,
  registerClient,
  registerCodeClient,
  registerServiceClient,
  REDIRECT_URI,
  seedCode,
  seedCodeAndExchange,
  TestClient,
  TokenCall,
} from '../support/token-helpers';

const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

function expectInvalidClient(call: TokenCall, basicChallenge: boolean): void {
  expect(call.status).toBe(401);
  expect(call.body).toEqual({ error: 'invalid_client', error_description: expect.any(String) });
  expect(call.body).not.toHaveProperty('access_token');
  expect(call.headers.get('cache-control')).toBe('no-store');
  if (basicChallenge) expect(call.headers.get('www-authenticate')).toMatch(/^Basic\b/);
  else expect(call.headers.get('www-authenticate')).toBeNull();
}

function expectTokens(call: TokenCall): void {
  expect({ status: call.status, body: call.body }).toEqual({
    status: 200,
    body: expect.objectContaining({ token_type: 'Bearer', access_token: expect.any(String) }),
  });
}

interface KeyPair {
  privateKey: CryptoKey;
  publicJwk: JWK;
}

async function keyPair(alg: 'RS256' | 'ES256', kid: string = randomUUID()): Promise<KeyPair> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

describe.each(TEST_TARGETS)('token endpoint client authentication (%s)', (target) => {
  let server: TestApp;
  let tokenEndpoint: string;
  beforeAll(async () => {
    server = await startTestApp(target);
    tokenEndpoint = `${server.url}/oauth/token`;
  });
  afterAll(() => server.close());

  describe('client_secret_basic', () => {
    let client: TestClient;
    beforeAll(async () => {
      client = await registerServiceClient(server);
    });

    it('accepts the registered secret', async () => {
      expectTokens(await clientCredentials(server, client));
    });

    it('refuses a wrong secret with 401 invalid_client and a Basic challenge', async () => {
      const call = await postForm(
        server,
        { grant_type: 'client_credentials' },
        { authorization: basicAuth(client.clientId, 'wrong-secret') },
      );
      expectInvalidClient(call, true);
    });

    it('refuses an unknown client with 401 invalid_client', async () => {
      const call = await postForm(
        server,
        { grant_type: 'client_credentials' },
        { authorization: basicAuth(randomUUID(), client.clientSecret!) },
      );
      expectInvalidClient(call, true);
    });

    it.each([
      ['not base64', 'Basic !!!***'],
      ['no colon', `Basic ${Buffer.from('just-an-id').toString('base64')}`],
      ['bad percent-encoding', `Basic ${Buffer.from('%zz:%zz').toString('base64')}`],
      ['empty credentials', 'Basic '],
    ])('refuses a malformed Basic header (%s) with 401', async (_name, header) => {
      const call = await postForm(
        server,
        { grant_type: 'client_credentials' },
        { authorization: header },
      );
      expectInvalidClient(call, true);
    });

    it('refuses the secret sent in the body by a client registered for Basic', async () => {
      const call = await postForm(server, {
        grant_type: 'client_credentials',
        client_id: client.clientId,
        client_secret: client.clientSecret,
      });
      expectInvalidClient(call, false);
    });

    it('refuses two methods at once with 400 invalid_request', async () => {
      const call = await postForm(
        server,
        {
          grant_type: 'client_credentials',
          client_id: client.clientId,
          client_secret: client.clientSecret,
        },
        basicHeaders(client),
      );
      expect(call.status).toBe(400);
      expect(call.body).toEqual({
        error: 'invalid_request',
        error_description: expect.any(String),
      });
    });

    it('refuses a confidential client that sends only its client_id with 401', async () => {
      const call = await postForm(server, {
        grant_type: 'client_credentials',
        client_id: client.clientId,
      });
      expectInvalidClient(call, false);
    });

    it('refuses a request without any client authentication with 401', async () => {
      const call = await postForm(server, { grant_type: 'client_credentials' });
      expectInvalidClient(call, false);
    });
  });

  describe('client_secret_post', () => {
    let client: TestClient;
    beforeAll(async () => {
      client = await registerServiceClient(server, {
        tokenEndpointAuthMethod: 'client_secret_post',
      });
    });

    it('accepts client_id and client_secret in the body', async () => {
      expectTokens(
        await postForm(server, {
          grant_type: 'client_credentials',
          client_id: client.clientId,
          client_secret: client.clientSecret,
        }),
      );
    });

    it('refuses a wrong secret with 401 and no Basic challenge', async () => {
      const call = await postForm(server, {
        grant_type: 'client_credentials',
        client_id: client.clientId,
        client_secret: 'wrong',
      });
      expectInvalidClient(call, false);
    });

    it('refuses a client_secret without client_id with 401', async () => {
      const call = await postForm(server, {
        grant_type: 'client_credentials',
        client_secret: client.clientSecret,
      });
      expectInvalidClient(call, false);
    });

    it('refuses Basic from a client registered for client_secret_post, even with the right secret', async () => {
      const call = await clientCredentials(server, client);
      expectInvalidClient(call, true);
    });
  });

  describe('none (public clients)', () => {
    let publicClient: TestClient;
    beforeAll(async () => {
      publicClient = await registerCodeClient(server, {
        tokenEndpointAuthMethod: 'none',
        scopes: ['accounts:read'],
      });
    });

    it('has no secret', () => {
      expect(publicClient.clientSecret).toBeUndefined();
    });

    it('exchanges a code and refreshes with client_id only', async () => {
      const first = await seedCodeAndExchange(server, publicClient, { scopes: ['accounts:read'] });
      expect(first.refresh_token).toEqual(expect.any(String));
      const refreshed = await refresh(server, publicClient, first.refresh_token);
      expectTokens(refreshed);
      expect(refreshed.body.refresh_token).toEqual(expect.any(String));
    });

    it('cannot use client_credentials', async () => {
      const call = await postForm(server, {
        grant_type: 'client_credentials',
        client_id: publicClient.clientId,
      });
      expect(call.status).toBe(400);
      expect(call.body).toEqual({
        error: 'unauthorized_client',
        error_description: expect.any(String),
      });
    });

    it('refuses an unknown client_id with 401', async () => {
      const { code, verifier } = await seedCode(server, publicClient, {
        scopes: ['accounts:read'],
      });
      const call = await postForm(server, {
        grant_type: 'authorization_code',
        code,
        code_verifier: verifier,
        redirect_uri: REDIRECT_URI,
        client_id: randomUUID(),
      });
      expectInvalidClient(call, false);
    });

    it('refuses a public client that sends a (made-up) secret', async () => {
      const call = await postForm(
        server,
        { grant_type: 'refresh_token', refresh_token: 'whatever' },
        { authorization: basicAuth(publicClient.clientId, 'made-up') },
      );
      expectInvalidClient(call, true);
    });
  });

  describe.each(['RS256', 'ES256'] as const)('private_key_jwt with %s', (alg) => {
    let client: TestClient;
    let key: KeyPair;

    beforeAll(async () => {
      key = await keyPair(alg);
      client = await registerServiceClient(server, {
        tokenEndpointAuthMethod: 'private_key_jwt',
        jwks: { keys: [key.publicJwk] },
      });
    });

    function assertion(
      overrides: { aud?: string; exp?: number; iss?: string; sub?: string; jti?: string } = {},
      signingKey: KeyPair = key,
    ): Promise<string> {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({})
        .setProtectedHeader({ alg, kid: signingKey.publicJwk.kid })
        .setIssuer(overrides.iss ?? client.clientId)
        .setSubject(overrides.sub ?? client.clientId)
        .setAudience(overrides.aud ?? tokenEndpoint)
        .setJti(overrides.jti ?? randomUUID())
        .setIssuedAt(now)
        .setExpirationTime(overrides.exp ?? now + 60)
        .sign(signingKey.privateKey);
    }

    function withAssertion(jwt: string, extra: Record<string, string> = {}): Promise<TokenCall> {
      return postForm(server, {
        grant_type: 'client_credentials',
        client_assertion_type: JWT_BEARER,
        client_assertion: jwt,
        ...extra,
      });
    }

    it('accepts a fresh assertion for the token endpoint', async () => {
      const call = await withAssertion(await assertion());
      expectTokens(call);
    });

    it('accepts client_id next to the assertion when it names the same client', async () => {
      expectTokens(await withAssertion(await assertion(), { client_id: client.clientId }));
    });

    it('refuses the same assertion a second time', async () => {
      const jwt = await assertion();
      expectTokens(await withAssertion(jwt));
      expectInvalidClient(await withAssertion(jwt), false);
    });

    it('refuses an assertion for another audience', async () => {
      expectInvalidClient(
        await withAssertion(await assertion({ aud: 'https://other.example/token' })),
        false,
      );
    });

    it('refuses an expired assertion', async () => {
      expectInvalidClient(
        await withAssertion(await assertion({ exp: Math.floor(Date.now() / 1000) - 120 })),
        false,
      );
    });

    it('refuses an assertion valid for more than an hour', async () => {
      expectInvalidClient(
        await withAssertion(await assertion({ exp: Math.floor(Date.now() / 1000) + 7200 })),
        false,
      );
    });

    it('refuses an assertion signed by another key (same kid)', async () => {
      const other = await keyPair(alg, key.publicJwk.kid);
      expectInvalidClient(await withAssertion(await assertion({}, other)), false);
    });

    it('refuses an assertion signed by an unregistered key (other kid)', async () => {
      const other = await keyPair(alg);
      expectInvalidClient(await withAssertion(await assertion({}, other)), false);
    });

    it('refuses an unsigned assertion (alg none)', async () => {
      const now = Math.floor(Date.now() / 1000);
      const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
      const unsigned = `${encode({ alg: 'none', typ: 'JWT' })}.${encode({
        iss: client.clientId,
        sub: client.clientId,
        aud: tokenEndpoint,
        jti: randomUUID(),
        iat: now,
        exp: now + 60,
      })}.`;
      expectInvalidClient(await withAssertion(unsigned), false);
    });

    it('refuses an assertion whose issuer is not the client', async () => {
      expectInvalidClient(await withAssertion(await assertion({ iss: 'someone-else' })), false);
    });

    it('refuses an assertion naming another client than client_id', async () => {
      const call = await withAssertion(await assertion(), { client_id: randomUUID() });
      expect(call.status).toBe(401);
      expect(call.body.error).toBe('invalid_client');
    });

    it('refuses garbage in client_assertion with 401', async () => {
      expectInvalidClient(await withAssertion('not-a-jwt'), false);
    });

    it('refuses a wrong client_assertion_type with 400 invalid_request', async () => {
      const call = await postForm(server, {
        grant_type: 'client_credentials',
        client_assertion_type: 'urn:example:unknown',
        client_assertion: await assertion(),
      });
      expect(call.status).toBe(400);
      expect(call.body.error).toBe('invalid_request');
    });

    it('refuses the secret ClientService returned when the client registered private_key_jwt', async () => {
      // The client has no business holding a secret; if one was handed out it must not work.
      const call = await postForm(
        server,
        { grant_type: 'client_credentials' },
        { authorization: basicAuth(client.clientId, client.clientSecret ?? 'x') },
      );
      expectInvalidClient(call, true);
    });

    it('refuses an assertion from a secret-based client', async () => {
      const basicClient = await registerServiceClient(server);
      const jwt = await assertion({ iss: basicClient.clientId, sub: basicClient.clientId });
      expectInvalidClient(await withAssertion(jwt), false);
    });
  });

  describe('a client uses only its registered method', () => {
    it('refuses private_key_jwt from a client registered with client_secret_basic that also has jwks', async () => {
      const key = await keyPair('RS256');
      const client = await registerClient(server, {
        grantTypes: ['client_credentials'],
        scopes: ['accounts:read'],
        jwks: { keys: [key.publicJwk] },
      });
      const now = Math.floor(Date.now() / 1000);
      const jwt = await new SignJWT({})
        .setProtectedHeader({ alg: 'RS256', kid: key.publicJwk.kid })
        .setIssuer(client.clientId)
        .setSubject(client.clientId)
        .setAudience(tokenEndpoint)
        .setJti(randomUUID())
        .setExpirationTime(now + 60)
        .sign(key.privateKey);
      const call = await postForm(server, {
        grant_type: 'client_credentials',
        client_assertion_type: JWT_BEARER,
        client_assertion: jwt,
      });
      expectInvalidClient(call, false);
      // ...while its registered method still works.
      expectTokens(await clientCredentials(server, client));
    });
  });
});
