// RFC 7009 token revocation at /oauth/revoke, on SQLite and PostgreSQL: client authentication,
// access and refresh tokens with and without token_type_hint, the family cascade, ownership,
// unknown and expired tokens, errors, public clients, and opaque access tokens.
import { OAUTH_PATHS } from '../../src';
import { OAuthToken } from '../support/entities';
import { TEST_TARGETS } from '../support/targets';
import {
  introspect,
  isActive,
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
} from '../support/token-helpers';

const withGuard = { controllers: [ProtectedAccountsController] };

describe.each(TEST_TARGETS)('token revocation (%s)', (target) => {
  let server: TestApp;
  let opaque: TestApp;
  let shortLived: TestApp;
  beforeAll(async () => {
    [server, opaque, shortLived] = await Promise.all([
      startTestApp(target, {}, withGuard),
      startTestApp(target, { accessTokenFormat: 'opaque' }, withGuard),
      startTestApp(target, { accessTokenTtl: 1 }, withGuard),
    ]);
  });
  afterAll(() => Promise.all([server?.close(), opaque?.close(), shortLived?.close()]));

  /** Revoked (or never valid): introspection says inactive and the protected route refuses it. */
  async function expectDead(app: TestApp, owner: TestClient, accessToken: string): Promise<void> {
    expect(await isActive(app, owner, accessToken)).toBe(false);
    expect(await protectedStatus(app, accessToken)).toBe(401);
  }

  async function expectAlive(app: TestApp, owner: TestClient, accessToken: string): Promise<void> {
    expect(await isActive(app, owner, accessToken)).toBe(true);
    expect(await protectedStatus(app, accessToken)).toBe(200);
  }

  async function expectRefreshes(
    app: TestApp,
    owner: TestClient,
    refreshToken: string,
  ): Promise<any> {
    const call = await refresh(app, owner, refreshToken);
    expect({ status: call.status, error: call.body?.error }).toEqual({
      status: 200,
      error: undefined,
    });
    return call.body;
  }

  async function expectRefreshRefused(
    app: TestApp,
    owner: TestClient,
    refreshToken: string,
  ): Promise<void> {
    const call = await refresh(app, owner, refreshToken);
    expect({ status: call.status, error: call.body?.error }).toEqual({
      status: 400,
      error: 'invalid_grant',
    });
  }

  describe('client authentication', () => {
    it('refuses a request without client authentication with 401 invalid_client and revokes nothing', async () => {
      const client = await registerServiceClient(server);
      const token = await serviceToken(server, client);
      const call = await postForm(server, { token }, {}, OAUTH_PATHS.revocation);
      expect(call.status).toBe(401);
      expect(call.body).toEqual({ error: 'invalid_client', error_description: expect.any(String) });
      await expectAlive(server, client, token);
    });

    it('refuses a wrong secret with 401 invalid_client and revokes nothing', async () => {
      const client = await registerServiceClient(server);
      const token = await serviceToken(server, client);
      const call = await postForm(
        server,
        { token },
        { authorization: basicAuth(client.clientId, 'not-the-secret') },
        OAUTH_PATHS.revocation,
      );
      expect(call.status).toBe(401);
      expect(call.body.error).toBe('invalid_client');
      expect(call.headers.get('www-authenticate')).toMatch(/^Basic /);
      await expectAlive(server, client, token);
    });

    it('refuses an unknown client_id without a secret with 401 invalid_client', async () => {
      const client = await registerServiceClient(server);
      const token = await serviceToken(server, client);
      const call = await postForm(
        server,
        { token, client_id: 'no-such-client' },
        {},
        OAUTH_PATHS.revocation,
      );
      expect({ status: call.status, error: call.body.error }).toEqual({
        status: 401,
        error: 'invalid_client',
      });
      await expectAlive(server, client, token);
    });

    it('refuses a confidential client that only sends its client_id (no secret)', async () => {
      const client = await registerServiceClient(server);
      const token = await serviceToken(server, client);
      const call = await postForm(
        server,
        { token, client_id: client.clientId },
        {},
        OAUTH_PATHS.revocation,
      );
      expect({ status: call.status, error: call.body.error }).toEqual({
        status: 401,
        error: 'invalid_client',
      });
      await expectAlive(server, client, token);
    });
  });

  describe('access tokens (JWT)', () => {
    it('revokes an access token without token_type_hint: 200, then inactive and refused by the API', async () => {
      const client = await registerServiceClient(server);
      const token = await serviceToken(server, client);
      const other = await serviceToken(server, client);
      await expectAlive(server, client, token);

      const call = await revoke(server, client, { token });
      expect(call.status).toBe(200);
      expect(call.headers.get('cache-control')).toBe('no-store');
      await expectDead(server, client, token);
      // Only that token: the client's other token is untouched.
      await expectAlive(server, client, other);
    });

    it('revokes an access token with token_type_hint=access_token', async () => {
      const client = await registerServiceClient(server);
      const token = await serviceToken(server, client);
      expect(
        (await revoke(server, client, { token, token_type_hint: 'access_token' })).status,
      ).toBe(200);
      await expectDead(server, client, token);
    });

    it('revokes an access token despite a wrong hint (refresh_token)', async () => {
      const client = await registerServiceClient(server);
      const token = await serviceToken(server, client);
      expect(
        (await revoke(server, client, { token, token_type_hint: 'refresh_token' })).status,
      ).toBe(200);
      await expectDead(server, client, token);
    });

    it('answers 200 again for a token that is already revoked', async () => {
      const client = await registerServiceClient(server);
      const token = await serviceToken(server, client);
      expect((await revoke(server, client, { token })).status).toBe(200);
      expect((await revoke(server, client, { token })).status).toBe(200);
      await expectDead(server, client, token);
    });

    it('revokes a user access token (and not the user other authorizations)', async () => {
      const client = await registerCodeClient(server);
      const first = await seedCodeAndExchange(server, client);
      const second = await seedCodeAndExchange(server, client);
      expect((await revoke(server, client, { token: first.access_token })).status).toBe(200);
      await expectDead(server, client, first.access_token);
      await expectAlive(server, client, second.access_token);
      await expectRefreshes(server, client, second.refresh_token);
    });
  });

  describe('refresh tokens', () => {
    it('revokes the refresh token and every access token of its family; the refresh token no longer refreshes', async () => {
      const client = await registerCodeClient(server);
      const issued = await seedCodeAndExchange(server, client);
      const rotated = await expectRefreshes(server, client, issued.refresh_token);
      const unrelated = await seedCodeAndExchange(server, client);
      await expectAlive(server, client, issued.access_token);
      await expectAlive(server, client, rotated.access_token);

      const call = await revoke(server, client, {
        token: rotated.refresh_token,
        token_type_hint: 'refresh_token',
      });
      expect(call.status).toBe(200);

      expect(await isActive(server, client, rotated.refresh_token)).toBe(false);
      await expectDead(server, client, issued.access_token);
      await expectDead(server, client, rotated.access_token);
      await expectRefreshRefused(server, client, rotated.refresh_token);
      // Another authorization of the same user and client lives on.
      await expectAlive(server, client, unrelated.access_token);
      await expectRefreshes(server, client, unrelated.refresh_token);
    });

    it('revokes a refresh token without a hint', async () => {
      const client = await registerCodeClient(server);
      const issued = await seedCodeAndExchange(server, client);
      expect((await revoke(server, client, { token: issued.refresh_token })).status).toBe(200);
      await expectDead(server, client, issued.access_token);
      await expectRefreshRefused(server, client, issued.refresh_token);
    });

    it('revokes a refresh token despite a wrong hint (access_token)', async () => {
      const client = await registerCodeClient(server);
      const issued = await seedCodeAndExchange(server, client);
      expect(
        (
          await revoke(server, client, {
            token: issued.refresh_token,
            token_type_hint: 'access_token',
          })
        ).status,
      ).toBe(200);
      await expectDead(server, client, issued.access_token);
      await expectRefreshRefused(server, client, issued.refresh_token);
    });
  });

  describe('tokens that are not the caller to revoke', () => {
    it('answers 200 for an unknown token and revokes nothing', async () => {
      const client = await registerCodeClient(server);
      const issued = await seedCodeAndExchange(server, client);
      for (const token of [
        'not-a-token',
        'a.b.c',
        `${issued.refresh_token}x`,
        issued.access_token.slice(0, -2),
      ]) {
        const call = await revoke(server, client, { token });
        expect({ token, status: call.status }).toEqual({ token, status: 200 });
      }
      await expectAlive(server, client, issued.access_token);
      await expectRefreshes(server, client, issued.refresh_token);
    });

    it("answers 200 for another client's access and refresh tokens and revokes nothing", async () => {
      const owner = await registerCodeClient(server);
      const intruder = await registerCodeClient(server);
      const service = await registerServiceClient(server);
      const issued = await seedCodeAndExchange(server, owner);
      const serviceAccess = await serviceToken(server, service);

      for (const [token, hint] of [
        [issued.access_token, undefined],
        [issued.access_token, 'access_token'],
        [issued.refresh_token, undefined],
        [issued.refresh_token, 'refresh_token'],
        [serviceAccess, undefined],
      ] as const) {
        const call = await revoke(server, intruder, { token, token_type_hint: hint });
        expect(call.status).toBe(200);
      }

      await expectAlive(server, owner, issued.access_token);
      await expectAlive(server, service, serviceAccess);
      await expectRefreshes(server, owner, issued.refresh_token);
    });

    it('answers 200 for an expired access token and revokes nothing: its refresh token still works', async () => {
      const client = await registerCodeClient(shortLived);
      const issued = await seedCodeAndExchange(shortLived, client);
      await sleep(1500);
      expect(await isActive(shortLived, client, issued.access_token)).toBe(false);

      const call = await revoke(shortLived, client, { token: issued.access_token });
      expect(call.status).toBe(200);
      const rows = await dataSourceOf(shortLived)
        .getRepository(OAuthToken)
        .findBy({ clientId: client.clientId });
      expect(rows.map((row) => row.revokedAt)).toEqual([null]);
      await expectRefreshes(shortLived, client, issued.refresh_token);
    });

    it('answers 200 for an expired refresh token and revokes nothing', async () => {
      const client = await registerCodeClient(server);
      const issued = await seedCodeAndExchange(server, client);
      const repository = dataSourceOf(server).getRepository(OAuthToken);
      await repository.update(
        { clientId: client.clientId },
        { refreshExpiresAt: Date.now() - 1000 },
      );

      expect(
        (
          await revoke(server, client, {
            token: issued.refresh_token,
            token_type_hint: 'refresh_token',
          })
        ).status,
      ).toBe(200);
      const rows = await repository.findBy({ clientId: client.clientId });
      expect(rows.map((row) => row.revokedAt)).toEqual([null]);
      // The (still live) access token of that row keeps working.
      await expectAlive(server, client, issued.access_token);
    });
  });

  describe('errors', () => {
    it('answers 400 unsupported_token_type for an unknown token_type_hint, and revokes nothing', async () => {
      const client = await registerServiceClient(server);
      const token = await serviceToken(server, client);
      for (const hint of ['id_token', 'ACCESS_TOKEN', 'urn:ietf:params:oauth:token-type:jwt']) {
        const call = await revoke(server, client, { token, token_type_hint: hint });
        expect({ hint, status: call.status, body: call.body }).toEqual({
          hint,
          status: 400,
          body: { error: 'unsupported_token_type', error_description: expect.any(String) },
        });
      }
      await expectAlive(server, client, token);
    });

    it('answers 400 invalid_request without a token', async () => {
      const client = await registerServiceClient(server);
      for (const params of [{}, { token: '' }, { token_type_hint: 'access_token' }]) {
        const call = await revoke(server, client, params);
        expect({ status: call.status, body: call.body }).toEqual({
          status: 400,
          body: { error: 'invalid_request', error_description: expect.any(String) },
        });
      }
    });

    it('answers 400 invalid_request for a JSON body, and a repeated token', async () => {
      const client = await registerServiceClient(server);
      const token = await serviceToken(server, client);
      const json = await fetch(`${server.url}${OAUTH_PATHS.revocation}`, {
        method: 'POST',
        headers: {
          authorization: basicAuth(client.clientId, client.clientSecret!),
          'content-type': 'application/json',
        },
        body: JSON.stringify({ token }),
      });
      expect(json.status).toBe(400);
      expect((await json.json()).error).toBe('invalid_request');
      const repeated = await revoke(server, client, { token: [token, token] as never });
      expect(repeated.status).toBe(400);
      await expectAlive(server, client, token);
    });

    it('does not revoke on GET', async () => {
      const client = await registerServiceClient(server);
      const token = await serviceToken(server, client);
      const query = new URLSearchParams({ token });
      const response = await fetch(`${server.url}${OAUTH_PATHS.revocation}?${query}`, {
        headers: { authorization: basicAuth(client.clientId, client.clientSecret!) },
      });
      await response.arrayBuffer();
      expect(response.ok).toBe(false);
      await expectAlive(server, client, token);
    });
  });

  describe('public clients', () => {
    it('lets a public client revoke its own tokens with only its client_id', async () => {
      const client = await registerCodeClient(server, { tokenEndpointAuthMethod: 'none' });
      expect(client.clientSecret).toBeUndefined();
      const first = await seedCodeAndExchange(server, client);
      const second = await seedCodeAndExchange(server, client);
      expect(await protectedStatus(server, first.access_token)).toBe(200);

      expect((await revoke(server, client, { token: first.access_token })).status).toBe(200);
      expect(await protectedStatus(server, first.access_token)).toBe(401);

      expect((await revoke(server, client, { token: second.refresh_token })).status).toBe(200);
      expect(await protectedStatus(server, second.access_token)).toBe(401);
      await expectRefreshRefused(server, client, second.refresh_token);
    });

    it("does not let a public client revoke another client's token", async () => {
      const owner = await registerCodeClient(server, { tokenEndpointAuthMethod: 'none' });
      const other = await registerCodeClient(server, { tokenEndpointAuthMethod: 'none' });
      const issued = await seedCodeAndExchange(server, owner);
      expect((await revoke(server, other, { token: issued.access_token })).status).toBe(200);
      expect((await revoke(server, other, { token: issued.refresh_token })).status).toBe(200);
      expect(await protectedStatus(server, issued.access_token)).toBe(200);
      await expectRefreshes(server, owner, issued.refresh_token);
    });
  });

  describe('opaque access tokens', () => {
    it('revokes an opaque access token with or without a (wrong) hint', async () => {
      const client = await registerServiceClient(opaque);
      for (const hint of [undefined, 'access_token', 'refresh_token']) {
        const token = await serviceToken(opaque, client);
        expect(token.split('.')).toHaveLength(1);
        await expectAlive(opaque, client, token);
        expect((await revoke(opaque, client, { token, token_type_hint: hint })).status).toBe(200);
        await expectDead(opaque, client, token);
      }
    });

    it("revokes an opaque refresh token's family, and ignores other clients and unknown tokens", async () => {
      const client = await registerCodeClient(opaque);
      const intruder = await registerCodeClient(opaque);
      const issued = await seedCodeAndExchange(opaque, client);
      const rotated = await expectRefreshes(opaque, client, issued.refresh_token);

      expect((await revoke(opaque, intruder, { token: rotated.access_token })).status).toBe(200);
      expect((await revoke(opaque, intruder, { token: rotated.refresh_token })).status).toBe(200);
      expect((await revoke(opaque, client, { token: 'unknown-opaque-token' })).status).toBe(200);
      await expectAlive(opaque, client, rotated.access_token);

      expect((await revoke(opaque, client, { token: rotated.refresh_token })).status).toBe(200);
      await expectDead(opaque, client, issued.access_token);
      await expectDead(opaque, client, rotated.access_token);
      await expectRefreshRefused(opaque, client, rotated.refresh_token);
    });
  });

  it('advertises the endpoint it serves', async () => {
    const metadata = await (await fetch(`${server.url}${OAUTH_PATHS.serverMetadata}`)).json();
    expect(metadata.revocation_endpoint).toBe(`${server.url}${OAUTH_PATHS.revocation}`);
    const client = await registerServiceClient(server);
    const token = await serviceToken(server, client);
    const response = await fetch(metadata.revocation_endpoint, {
      method: 'POST',
      headers: {
        authorization: basicAuth(client.clientId, client.clientSecret!),
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ token }).toString(),
    });
    expect(response.status).toBe(200);
    expect((await introspect(server, client, token)).body).toEqual({ active: false });
  });
});
