// RFC 7662 token introspection at /oauth/introspect, on SQLite and PostgreSQL: the claims of
// active tokens, `{"active":false}` for everything else, who may introspect what (own tokens,
// configured resource servers), and claims taken from the stored row, not the presented token.
import { decodeJwt, decodeProtectedHeader, generateKeyPair, SignJWT } from 'jose';
import { ClientService, OAUTH_PATHS } from '../../src';
import { OAuthToken } from '../support/entities';
import type { ClientRegistration } from '../../src/clients/client-metadata';
import { KeyRing } from '../../src/keys/key-ring.service';
import { ClientStore } from '../../src/storage/stores/client.store';
import { TEST_TARGETS } from '../support/targets';
import {
  introspect,
  ProtectedAccountsController,
  protectedStatus,
  revoke,
  serviceToken,
} from '../support/lifecycle-helpers';
import { startTestApp, TestApp } from '../support/test-app';
import {
  basicAuth,
  dataSourceOf,
  postForm,
  refresh,
  registerCodeClient,
  registerServiceClient,
  seedCodeAndExchange,
  sleep,
  TestClient,
  TokenCall,
} from '../support/token-helpers';

const RESOURCE_SERVER_ID = 'resource-server-api';
const PUBLIC_RESOURCE_SERVER_ID = 'resource-server-public';
const withGuard = { controllers: [ProtectedAccountsController] };

/** RFC 7662 §2.2: nothing but `active: false`, never a hint why. */
function expectInactive(call: TokenCall): void {
  expect({ status: call.status, text: call.text }).toEqual({
    status: 200,
    text: '{"active":false}',
  });
  expect(call.headers.get('cache-control')).toBe('no-store');
}

describe.each(TEST_TARGETS)('token introspection (%s)', (target) => {
  let server: TestApp;
  let shortLived: TestApp;
  let opaque: TestApp;
  let resourceServer: TestClient;

  beforeAll(async () => {
    const options = {
      introspectionResourceServers: [RESOURCE_SERVER_ID, PUBLIC_RESOURCE_SERVER_ID],
    };
    [server, shortLived, opaque] = await Promise.all([
      startTestApp(target, options, withGuard),
      startTestApp(target, { accessTokenTtl: 1 }, withGuard),
      startTestApp(target, { accessTokenFormat: 'opaque' }, withGuard),
    ]);
    const { client, clientSecret } = await registerWithId(
      server,
      { name: 'Accounts API', grantTypes: ['client_credentials'], scopes: ['accounts:read'] },
      RESOURCE_SERVER_ID,
    );
    resourceServer = { clientId: client.clientId, clientSecret };
  });
  afterAll(() => Promise.all([server?.close(), shortLived?.close(), opaque?.close()]));

  describe('active tokens', () => {
    it('describes a user JWT access token with every RFC 7662 member, matching the token', async () => {
      const client = await registerCodeClient(server);
      const issued = await seedCodeAndExchange(server, client, {
        scopes: ['accounts:read', 'payments:write'],
        acr: 'urn:example:substantial',
        amr: ['pwd', 'otp'],
      });
      const claims = decodeJwt(issued.access_token);

      const call = await introspect(server, client, issued.access_token);
      expect(call.status).toBe(200);
      expect(call.headers.get('cache-control')).toBe('no-store');
      expect(call.headers.get('content-type')).toMatch(/^application\/json/);
      expect(call.body).toEqual({
        active: true,
        scope: 'accounts:read payments:write',
        client_id: client.clientId,
        username: 'alice',
        sub: 'user-alice',
        token_type: 'Bearer',
        exp: claims.exp,
        iat: claims.iat,
        nbf: claims.iat,
        aud: server.url,
        iss: server.url,
        jti: claims.jti,
        // How the user signed in (RFC 9470 §6.2), as in the token.
        auth_time: claims.auth_time,
        acr: 'urn:example:substantial',
        amr: ['pwd', 'otp'],
      });
      expect(call.body.auth_time).toEqual(expect.any(Number));
      expect(call.body.exp - call.body.iat).toBe(3600);
    });

    it('describes a client_credentials token: sub is the client, no username', async () => {
      const client = await registerServiceClient(server, { scopes: ['accounts:read', 'profile'] });
      const token = await serviceToken(server, client, 'accounts:read profile');
      const claims = decodeJwt(token);
      const call = await introspect(server, client, token, { token_type_hint: 'access_token' });
      expect(call.body).toEqual({
        active: true,
        scope: 'accounts:read profile',
        client_id: client.clientId,
        sub: client.clientId,
        token_type: 'Bearer',
        exp: claims.exp,
        iat: claims.iat,
        nbf: claims.iat,
        aud: server.url,
        iss: server.url,
        jti: claims.jti,
      });
    });

    it('describes a refresh token with token_type refresh_token and the family lifetime', async () => {
      const client = await registerCodeClient(server);
      const issued = await seedCodeAndExchange(server, client, {
        subject: 'user-bob',
        scopes: ['accounts:read'],
      });
      for (const hint of [undefined, 'refresh_token', 'access_token']) {
        const call = await introspect(
          server,
          client,
          issued.refresh_token,
          hint ? { token_type_hint: hint } : {},
        );
        expect(call.body).toEqual({
          active: true,
          scope: 'accounts:read',
          client_id: client.clientId,
          username: 'bob',
          sub: 'user-bob',
          token_type: 'refresh_token',
          exp: expect.any(Number),
          iat: issued.refresh_token_issued_at,
          nbf: issued.refresh_token_issued_at,
          aud: server.url,
          iss: server.url,
          jti: decodeJwt(issued.access_token).jti,
          auth_time: decodeJwt(issued.access_token).auth_time,
        });
        expect(
          Math.abs(call.body.exp - (issued.refresh_token_issued_at + 30 * 24 * 3600)),
        ).toBeLessThanOrEqual(1);
      }
    });

    it('describes an opaque access token from its row', async () => {
      const client = await registerServiceClient(opaque);
      const token = await serviceToken(opaque, client);
      const call = await introspect(opaque, client, token);
      expect(call.body).toEqual({
        active: true,
        scope: 'accounts:read',
        client_id: client.clientId,
        sub: client.clientId,
        token_type: 'Bearer',
        exp: expect.any(Number),
        iat: expect.any(Number),
        nbf: expect.any(Number),
        aud: opaque.url,
        iss: opaque.url,
        jti: expect.any(String),
      });
      expect(call.body.exp - call.body.iat).toBe(3600);
      expect((await revoke(opaque, client, { token })).status).toBe(200);
      expectInactive(await introspect(opaque, client, token));
    });
  });

  describe('inactive tokens', () => {
    it('answers {"active":false} for a revoked access token', async () => {
      const client = await registerServiceClient(server);
      const token = await serviceToken(server, client);
      expect((await revoke(server, client, { token })).status).toBe(200);
      expectInactive(await introspect(server, client, token));
    });

    it('answers {"active":false} for the tokens of a revoked family', async () => {
      const client = await registerCodeClient(server);
      const issued = await seedCodeAndExchange(server, client);
      expect((await revoke(server, client, { token: issued.refresh_token })).status).toBe(200);
      expectInactive(await introspect(server, client, issued.refresh_token));
      expectInactive(await introspect(server, client, issued.access_token));
    });

    it('answers {"active":false} for an expired access token (its live refresh token stays active)', async () => {
      const client = await registerCodeClient(shortLived);
      const issued = await seedCodeAndExchange(shortLived, client);
      expect((await introspect(shortLived, client, issued.access_token)).body.active).toBe(true);
      await sleep(1500);
      expectInactive(await introspect(shortLived, client, issued.access_token));
      expect((await introspect(shortLived, client, issued.refresh_token)).body).toMatchObject({
        active: true,
        token_type: 'refresh_token',
      });
    });

    it('answers {"active":false} for an expired refresh token', async () => {
      const client = await registerCodeClient(server);
      const issued = await seedCodeAndExchange(server, client);
      await dataSourceOf(server)
        .getRepository(OAuthToken)
        .update({ clientId: client.clientId }, { refreshExpiresAt: Date.now() - 1000 });
      expectInactive(await introspect(server, client, issued.refresh_token));
    });

    it('answers {"active":false} for a rotated (used) refresh token, and active for its successor', async () => {
      const client = await registerCodeClient(server);
      const issued = await seedCodeAndExchange(server, client);
      const rotated = await refresh(server, client, issued.refresh_token);
      expect(rotated.status).toBe(200);
      expectInactive(await introspect(server, client, issued.refresh_token));
      expectInactive(
        await introspect(server, client, issued.refresh_token, {
          token_type_hint: 'refresh_token',
        }),
      );
      expect((await introspect(server, client, rotated.body.refresh_token)).body).toMatchObject({
        active: true,
        token_type: 'refresh_token',
      });
      expect((await introspect(server, client, rotated.body.access_token)).body).toMatchObject({
        active: true,
        token_type: 'Bearer',
      });
    });

    it('answers {"active":false} for garbage', async () => {
      const client = await registerServiceClient(server);
      const token = await serviceToken(server, client);
      const [header, payload] = token.split('.');
      const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt' })).toString('base64url')}.${payload}.`;
      for (const garbage of [
        'garbage',
        'a.b.c',
        `${header}.${payload}.`,
        `${header}.${payload}.AAAA`,
        none,
        'x'.repeat(5000),
        token.slice(0, -3),
      ]) {
        expectInactive(await introspect(server, client, garbage));
      }
    });

    it('answers {"active":false} for a JWT signed by another key, with our kid or another', async () => {
      const client = await registerServiceClient(server);
      const token = await serviceToken(server, client);
      const { kid } = decodeProtectedHeader(token);
      const { privateKey } = await generateKeyPair('RS256');
      for (const header of [{ kid }, { kid: 'someone-else' }, {}]) {
        const forged = await new SignJWT(decodeJwt(token))
          .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', ...header })
          .sign(privateKey);
        expectInactive(await introspect(server, client, forged));
      }
    });

    it('answers {"active":false} for an id_token (signed by us, but not an access token)', async () => {
      const client = await registerCodeClient(server);
      const issued = await seedCodeAndExchange(server, client, {
        scopes: ['openid', 'accounts:read'],
      });
      expect(issued.id_token).toEqual(expect.any(String));
      expectInactive(await introspect(server, client, issued.id_token));
    });

    it('answers {"active":false} for another client\'s access and refresh tokens', async () => {
      const owner = await registerCodeClient(server);
      const other = await registerServiceClient(server);
      const issued = await seedCodeAndExchange(server, owner);
      const ownerService = await registerServiceClient(server);
      const serviceAccess = await serviceToken(server, ownerService);
      for (const token of [issued.access_token, issued.refresh_token, serviceAccess]) {
        expectInactive(await introspect(server, other, token));
      }
      // The owners still see them active.
      expect((await introspect(server, owner, issued.access_token)).body.active).toBe(true);
      expect((await introspect(server, ownerService, serviceAccess)).body.active).toBe(true);
    });
  });

  describe('resource servers', () => {
    it('lets a configured resource server introspect any client token', async () => {
      const client = await registerCodeClient(server);
      const issued = await seedCodeAndExchange(server, client);
      const service = await registerServiceClient(server);
      const serviceAccess = await serviceToken(server, service);

      expect((await introspect(server, resourceServer, issued.access_token)).body).toMatchObject({
        active: true,
        client_id: client.clientId,
        sub: 'user-alice',
        username: 'alice',
        token_type: 'Bearer',
      });
      expect((await introspect(server, resourceServer, issued.refresh_token)).body).toMatchObject({
        active: true,
        client_id: client.clientId,
        token_type: 'refresh_token',
      });
      expect((await introspect(server, resourceServer, serviceAccess)).body).toMatchObject({
        active: true,
        client_id: service.clientId,
      });

      // ...but revoked ones are inactive for it too.
      expect((await revoke(server, client, { token: issued.refresh_token })).status).toBe(200);
      expectInactive(await introspect(server, resourceServer, issued.access_token));
    });

    it('refuses a resource server that is a public client', async () => {
      const { client } = await registerWithId(
        server,
        {
          name: 'Public RS',
          grantTypes: ['authorization_code'],
          redirectUris: ['https://rs.example/cb'],
          tokenEndpointAuthMethod: 'none',
        },
        PUBLIC_RESOURCE_SERVER_ID,
      );
      const owner = await registerServiceClient(server);
      const token = await serviceToken(server, owner);
      const call = await postForm(
        server,
        { token, client_id: client.clientId },
        {},
        OAUTH_PATHS.introspection,
      );
      expect(call.status).toBe(401);
      expect(call.body).toEqual({ error: 'invalid_client', error_description: expect.any(String) });
    });
  });

  describe('client authentication and errors', () => {
    it('refuses a public client with 401 invalid_client, even for its own token', async () => {
      const client = await registerCodeClient(server, { tokenEndpointAuthMethod: 'none' });
      const issued = await seedCodeAndExchange(server, client);
      const call = await introspect(server, client, issued.access_token);
      expect(call.status).toBe(401);
      expect(call.body).toEqual({ error: 'invalid_client', error_description: expect.any(String) });
      expect(call.text).not.toContain('active');
      expect(call.headers.get('cache-control')).toBe('no-store');
    });

    it('refuses a request without client authentication or with a wrong secret', async () => {
      const client = await registerServiceClient(server);
      const token = await serviceToken(server, client);
      const anonymous = await postForm(server, { token }, {}, OAUTH_PATHS.introspection);
      expect({ status: anonymous.status, error: anonymous.body.error }).toEqual({
        status: 401,
        error: 'invalid_client',
      });
      const wrong = await postForm(
        server,
        { token },
        { authorization: basicAuth(client.clientId, 'wrong-secret') },
        OAUTH_PATHS.introspection,
      );
      expect({ status: wrong.status, error: wrong.body.error }).toEqual({
        status: 401,
        error: 'invalid_client',
      });
      expect(wrong.text).not.toContain('active');
    });

    it('answers 400 invalid_request without a token', async () => {
      const client = await registerServiceClient(server);
      const call = await postForm(
        server,
        {},
        { authorization: basicAuth(client.clientId, client.clientSecret!) },
        OAUTH_PATHS.introspection,
      );
      expect({ status: call.status, error: call.body.error }).toEqual({
        status: 400,
        error: 'invalid_request',
      });
    });

    it('does not answer GET', async () => {
      const client = await registerServiceClient(server);
      const token = await serviceToken(server, client);
      const response = await fetch(
        `${server.url}${OAUTH_PATHS.introspection}?${new URLSearchParams({ token })}`,
        {
          headers: { authorization: basicAuth(client.clientId, client.clientSecret!) },
        },
      );
      const text = await response.text();
      expect(response.ok).toBe(false);
      expect(text).not.toContain('"active"');
    });
  });

  describe('claims come from the stored row', () => {
    it('is inactive once the row is revoked, although the signature is still valid', async () => {
      const client = await registerServiceClient(server);
      const token = await serviceToken(server, client);
      await dataSourceOf(server)
        .getRepository(OAuthToken)
        .update({ id: decodeJwt(token).jti! }, { revokedAt: Date.now() });
      expectInactive(await introspect(server, client, token));
      expect(await protectedStatus(server, token)).toBe(401);
    });

    it('reports the stored scope, not the one in the token', async () => {
      const client = await registerServiceClient(server, { scopes: ['accounts:read', 'profile'] });
      const token = await serviceToken(server, client, 'accounts:read profile');
      await dataSourceOf(server)
        .getRepository(OAuthToken)
        .update({ id: decodeJwt(token).jti! }, { scopes: ['accounts:read'] });
      expect(decodeJwt(token).scope).toBe('accounts:read profile');
      expect((await introspect(server, client, token)).body).toMatchObject({
        active: true,
        scope: 'accounts:read',
      });
    });

    it('ignores other claims of a token re-signed with our own key: the row of its jti decides', async () => {
      const owner = await registerCodeClient(server);
      const intruder = await registerServiceClient(server);
      const issued = await seedCodeAndExchange(server, owner, { scopes: ['accounts:read'] });
      const key = server.app.get(KeyRing).signingKey();
      const claims = decodeJwt(issued.access_token);
      const tampered = await new SignJWT({
        ...claims,
        scope: 'accounts:read payments:write profile',
        sub: 'user-bob',
        client_id: intruder.clientId,
      })
        .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'at+jwt' })
        .sign(key.privateKey!);

      // The intruder named itself as client_id, but the row says the token is the owner's.
      expectInactive(await introspect(server, intruder, tampered));
      expect((await introspect(server, owner, tampered)).body).toMatchObject({
        active: true,
        scope: 'accounts:read',
        client_id: owner.clientId,
        sub: 'user-alice',
        username: 'alice',
        jti: claims.jti,
      });
    });
  });

  it('advertises the endpoint it serves', async () => {
    const metadata = await (await fetch(`${server.url}${OAUTH_PATHS.serverMetadata}`)).json();
    expect(metadata.introspection_endpoint).toBe(`${server.url}${OAUTH_PATHS.introspection}`);
  });
});

/** Registers a client under a fixed client_id (the options name resource servers by id). */
async function registerWithId(server: TestApp, registration: ClientRegistration, clientId: string) {
  const { client, clientSecret } = await server.app.get(ClientService).register(registration);
  const store = server.app.get(ClientStore);
  await store.insert({ ...(await store.find(client.clientId))!, clientId });
  return { client: { ...client, clientId }, clientSecret };
}
