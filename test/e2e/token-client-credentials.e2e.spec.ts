// The client_credentials grant (RFC 6749 §4.4): response shape (DESIGN.md §4), RFC 9068
// access tokens, scope rules, the host's extra-attribute rules, and opaque tokens.
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import { OAUTH_PATHS, OAuthException } from '../../src';
import { TEST_TARGETS } from '../support/targets';
import { startTestApp, TEST_SCOPES, TestApp } from '../support/test-app';
import {
  clientCredentials,
  queryRows,
  registerCodeClient,
  registerServiceClient,
  sha256,
  TestClient,
  expectTokenError,
} from '../support/token-helpers';

async function serverJwks(server: TestApp): Promise<JSONWebKeySet> {
  const response = await fetch(`${server.url}${OAUTH_PATHS.jwks}`);
  expect(response.status).toBe(200);
  return response.json();
}

describe.each(TEST_TARGETS)('client_credentials grant (%s)', (target) => {
  let server: TestApp;
  let client: TestClient;
  beforeAll(async () => {
    server = await startTestApp(target);
    client = await registerServiceClient(server, {
      scopes: ['accounts:read', 'payments:write', 'profile'],
    });
  });
  afterAll(() => server.close());

  it('answers 200 with exactly the documented fields and no refresh token', async () => {
    const call = await clientCredentials(server, client, { scope: 'accounts:read' });
    expect(call.status).toBe(200);
    expect(call.headers.get('content-type')).toMatch(/^application\/json/);
    expect(call.body).toEqual({
      token_type: 'Bearer',
      access_token: expect.any(String),
      expires_in: 3600,
      scope: 'accounts:read',
      status: 'approved',
    });
    expect(call.body).not.toHaveProperty('refresh_token');
    expect(call.body).not.toHaveProperty('id_token');
  });

  it('sends Cache-Control: no-store and Pragma: no-cache', async () => {
    const call = await clientCredentials(server, client, { scope: 'accounts:read' });
    expect(call.status).toBe(200);
    expect(call.headers.get('cache-control')).toBe('no-store');
    expect(call.headers.get('pragma')).toBe('no-cache');
  });

  it('issues an RFC 9068 JWT verifiable with the server JWKS', async () => {
    const before = Math.floor(Date.now() / 1000);
    const call = await clientCredentials(server, client, { scope: 'accounts:read' });
    expect(call.status).toBe(200);
    const token = call.body.access_token;
    expect(decodeProtectedHeader(token)).toMatchObject({
      typ: 'at+jwt',
      alg: 'RS256',
      kid: expect.any(String),
    });
    const { payload } = await jwtVerify(token, createLocalJWKSet(await serverJwks(server)), {
      issuer: server.url,
      audience: server.url,
      typ: 'at+jwt',
    });
    expect(payload).toEqual({
      iss: server.url,
      sub: client.clientId,
      aud: server.url,
      client_id: client.clientId,
      scope: 'accounts:read',
      jti: expect.any(String),
      iat: expect.any(Number),
      exp: expect.any(Number),
    });
    expect(payload.iat).toBeGreaterThanOrEqual(before - 1);
    expect(payload.exp! - payload.iat!).toBe(3600);
  });

  it('gives each token its own jti, stored in oauth_tokens without a refresh token', async () => {
    const a = await clientCredentials(server, client, { scope: 'accounts:read' });
    const b = await clientCredentials(server, client, { scope: 'accounts:read' });
    const jtiA = (await jwtVerify(a.body.access_token, createLocalJWKSet(await serverJwks(server))))
      .payload.jti;
    const jtiB = (await jwtVerify(b.body.access_token, createLocalJWKSet(await serverJwks(server))))
      .payload.jti;
    expect(jtiA).not.toBe(jtiB);
    const rows = await queryRows(
      server,
      'SELECT client_id, subject, grant_type, refresh_token_hash FROM oauth_tokens WHERE id = ?',
      [jtiA],
    );
    expect(rows).toEqual([
      {
        client_id: client.clientId,
        subject: null,
        grant_type: 'client_credentials',
        refresh_token_hash: null,
      },
    ]);
  });

  it('grants every allowed scope except user-only ones when scope is omitted', async () => {
    const call = await clientCredentials(server, client);
    expect(call.status).toBe(200);
    expect(call.body.scope.split(' ').sort()).toEqual(['accounts:read', 'profile']);
  });

  it('grants several requested scopes', async () => {
    const call = await clientCredentials(server, client, { scope: 'profile accounts:read' });
    expect(call.status).toBe(200);
    expect(call.body.scope.split(' ').sort()).toEqual(['accounts:read', 'profile']);
  });

  it('refuses a scope the client is not registered for', async () => {
    expectTokenError(
      await clientCredentials(server, client, { scope: 'accounts:read email' }),
      'invalid_scope',
    );
  });

  it('refuses an unknown scope', async () => {
    expectTokenError(
      await clientCredentials(server, client, { scope: 'accounts:read admin:everything' }),
      'invalid_scope',
    );
  });

  it('refuses a user-only scope the client is registered for', async () => {
    expectTokenError(
      await clientCredentials(server, client, { scope: 'payments:write' }),
      'invalid_scope',
    );
    expectTokenError(
      await clientCredentials(server, client, { scope: 'accounts:read payments:write' }),
      'invalid_scope',
    );
  });

  it('refuses a scope parameter of only spaces', async () => {
    expectTokenError(await clientCredentials(server, client, { scope: '   ' }), 'invalid_scope');
  });

  it('refuses a client that may request only user-only scopes and asks for none', async () => {
    const paymentsOnly = await registerServiceClient(server, { scopes: ['payments:write'] });
    expectTokenError(await clientCredentials(server, paymentsOnly), 'invalid_scope');
  });

  it('never grants an Object.prototype member as a scope', async () => {
    await expect(
      registerServiceClient(server, {
        scopes: ['accounts:read', 'toString', 'constructor', '__proto__'],
      }),
    ).rejects.toMatchObject({
      code: 'invalid_client_metadata',
      description: expect.stringMatching(/not offered/),
    });
    const reader = await registerServiceClient(server, { scopes: ['accounts:read'] });
    for (const scope of ['toString', 'constructor', '__proto__', 'hasOwnProperty']) {
      expectTokenError(await clientCredentials(server, reader, { scope }), 'invalid_scope');
    }
    const call = await clientCredentials(server, reader);
    expect(call.status).toBe(200);
    expect(call.body.scope).toBe('accounts:read');
  });

  it('refuses a client not registered for client_credentials with unauthorized_client', async () => {
    const codeClient = await registerCodeClient(server);
    expectTokenError(
      await clientCredentials(server, codeClient, { scope: 'accounts:read' }),
      'unauthorized_client',
    );
  });
});

describe.each(TEST_TARGETS)('client_credentials with the host rules (%s)', (target) => {
  let server: TestApp;
  let client: TestClient;
  let blocked: TestClient;
  const seen: unknown[] = [];
  beforeAll(async () => {
    server = await startTestApp(target, {
      scopes: {
        ...TEST_SCOPES,
        'accounts:read': { description: 'x', requiredTokenParameters: ['consent_id'] },
      },
      validateTokenRequest: (check) => {
        seen.push(check);
        if (check.clientId === blocked?.clientId) {
          throw new OAuthException('unauthorized_client', 'This client is suspended.');
        }
      },
    });
    client = await registerServiceClient(server, { scopes: ['accounts:read', 'profile'] });
    blocked = await registerServiceClient(server, { scopes: ['profile'] });
  });
  afterAll(() => server.close());

  it('refuses a scope without its required parameter with invalid_request', async () => {
    expectTokenError(
      await clientCredentials(server, client, { scope: 'accounts:read' }),
      'invalid_request',
    );
  });

  it('applies the rule to the default scopes too', async () => {
    expectTokenError(await clientCredentials(server, client), 'invalid_request');
  });

  it('issues the token when the parameter is present, and shows it to the hook', async () => {
    seen.length = 0;
    const call = await clientCredentials(server, client, {
      scope: 'accounts:read',
      consent_id: 'consent-123',
    });
    expect(call.status).toBe(200);
    expect(call.body.scope).toBe('accounts:read');
    expect(seen).toEqual([
      {
        grantType: 'client_credentials',
        clientId: client.clientId,
        subject: null,
        scopes: ['accounts:read'],
        params: expect.objectContaining({
          consent_id: 'consent-123',
          grant_type: 'client_credentials',
        }),
      },
    ]);
  });

  it('does not require the parameter for other scopes', async () => {
    expect((await clientCredentials(server, client, { scope: 'profile' })).status).toBe(200);
  });

  it("answers with the hook's OAuthException", async () => {
    const call = await clientCredentials(server, blocked, { scope: 'profile' });
    expect(call.body).toEqual({
      error: 'unauthorized_client',
      error_description: 'This client is suspended.',
    });
    expect(call.status).toBe(400);
    expect(call.headers.get('cache-control')).toBe('no-store');
  });
});

describe.each(TEST_TARGETS)('client_credentials with opaque access tokens (%s)', (target) => {
  let server: TestApp;
  let client: TestClient;
  beforeAll(async () => {
    server = await startTestApp(target, { accessTokenFormat: 'opaque' });
    client = await registerServiceClient(server, { scopes: ['accounts:read'] });
  });
  afterAll(() => server.close());

  it('issues a random, non-JWT token stored only by its hash', async () => {
    const call = await clientCredentials(server, client);
    expect(call.status).toBe(200);
    expect(call.body).toEqual({
      token_type: 'Bearer',
      access_token: expect.any(String),
      expires_in: 3600,
      scope: 'accounts:read',
      status: 'approved',
    });
    const token: string = call.body.access_token;
    expect(token.split('.')).toHaveLength(1);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43,}$/);

    const rows = await queryRows(server, 'SELECT * FROM oauth_tokens WHERE access_token_hash = ?', [
      sha256(token),
    ]);
    expect(rows).toHaveLength(1);
    expect(rows[0].client_id).toBe(client.clientId);
    const everything = JSON.stringify(await queryRows(server, 'SELECT * FROM oauth_tokens'));
    expect(everything).not.toContain(token);
  });
});
