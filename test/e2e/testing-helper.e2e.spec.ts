// nest-oauth-server/testing (OAuthTesting): real tokens for a host's own tests, on host routes
// behind OAuthGuard, with strict revocation checking (the default), opaque tokens, both HTTP
// adapters, and the token endpoint's scope rules. Apps from startTestApp (Express, and Fastify
// on SQLite: test/support/targets.ts) are called over HTTP, the last Fastify app through its
// inject().
import { Controller, Get, INestApplication, Post, UseGuards } from '@nestjs/common';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import {
  AccessToken,
  ClientService,
  OAuthGuard,
  OAuthModule,
  OAuthUser,
  RequireUser,
  Scopes,
  TokenRevocationService,
} from '../../src';
import type { VerifiedAccessToken } from '../../src';
import { OAuthTesting } from '../../src/testing';
import { TEST_CLIENT_OWNER } from '../../src/testing/test-client';
import { describeOn } from '../support/targets';
import { startTestApp, TEST_SCOPES, testResourceOwner, TestApp } from '../support/test-app';

@Controller('api')
@UseGuards(OAuthGuard)
@Scopes('accounts:read')
class AccountsController {
  @Get('accounts')
  accounts(@AccessToken() token: VerifiedAccessToken, @OAuthUser() user: unknown) {
    return { token, user: user ?? null };
  }

  @Get('me')
  @RequireUser()
  me(@OAuthUser() user: unknown) {
    return { user };
  }

  /** The handler's scope replaces the class's: payments:write is userOnly in TEST_SCOPES. */
  @Post('payments')
  @Scopes('payments:write')
  pay(@OAuthUser() user: { id: string }) {
    return { paidBy: user.id };
  }
}

async function get(server: TestApp, path: string, token: string) {
  const response = await fetch(`${server.url}${path}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  return { status: response.status, body: await response.json() };
}

describe('OAuthTesting (nest-oauth-server/testing)', () => {
  describeOn('sqlite')('on an app with JWT access tokens (%s)', (target) => {
    let server: TestApp;
    let app: INestApplication;

    beforeAll(async () => {
      server = await startTestApp(target, {}, { controllers: [AccountsController] });
      app = server.app;
    });
    afterAll(() => server.close());

    it("gives a user's token that the guard, @AccessToken() and @OAuthUser() accept unchanged", async () => {
      const issued = await OAuthTesting.issueToken(app, {
        user: 'user-alice',
        scopes: ['accounts:read'],
      });
      expect(issued.accessToken.split('.')).toHaveLength(3);
      const { status, body } = await get(server, '/api/accounts', issued.accessToken);
      expect(status).toBe(200);
      expect(body.token).toMatchObject({
        id: issued.tokenId,
        userId: 'user-alice',
        clientId: issued.clientId,
        scopes: ['accounts:read'],
      });
      expect(body.token.authTime).toEqual(expect.any(Number));
      expect(body.user).toEqual({
        id: 'user-alice',
        clientId: issued.clientId,
        scopes: ['accounts:read'],
      });
    });

    it("gives a client's own token: no user, and @RequireUser routes refuse it", async () => {
      const token = await OAuthTesting.tokenFor(app, { scopes: ['accounts:read'] });
      const accounts = await get(server, '/api/accounts', token);
      expect(accounts.status).toBe(200);
      expect(accounts.body.token.userId).toBeNull();
      expect(accounts.body.user).toBeNull();
      expect((await get(server, '/api/me', token)).status).toBe(401);
    });

    it('gives tokens whose scopes the guard enforces', async () => {
      const token = await OAuthTesting.tokenFor(app, { user: 'user-bob', scopes: ['profile'] });
      const { status, body } = await get(server, '/api/accounts', token);
      expect(status).toBe(403);
      expect(body.error).toBe('insufficient_scope');
    });

    it('gives an Authorization header', async () => {
      const header = await OAuthTesting.authHeader(app, {
        user: 'user-alice',
        scopes: ['payments:write'],
      });
      expect(header.Authorization).toMatch(/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);
      const response = await fetch(`${server.url}/api/payments`, {
        method: 'POST',
        headers: header,
      });
      expect(response.status).toBe(201);
      expect(await response.json()).toEqual({ paidBy: 'user-alice' });
    });

    it('registers a test client once per grant and reuses it', async () => {
      const first = await OAuthTesting.issueToken(app, { user: 'user-alice', scopes: ['email'] });
      const second = await OAuthTesting.issueToken(app, { user: 'user-bob', scopes: ['email'] });
      const own = await OAuthTesting.issueToken(app, { scopes: ['email'] });
      expect(second.clientId).toBe(first.clientId);
      expect(own.clientId).not.toBe(first.clientId);
      const clients = await app.get(ClientService).list({ owner: TEST_CLIENT_OWNER });
      expect(clients.find((c) => c.clientId === first.clientId)?.grantTypes).toEqual([
        'authorization_code',
      ]);
      expect(clients.find((c) => c.clientId === own.clientId)?.grantTypes).toEqual([
        'client_credentials',
      ]);
    });

    it('gives every scope the client may have when none are named, as the token endpoint does', async () => {
      const own = await OAuthTesting.issueToken(app);
      // payments:write is userOnly: never in a client's own token.
      expect(own.scopes.sort()).toEqual(
        Object.keys(TEST_SCOPES)
          .filter((scope) => scope !== 'payments:write')
          .sort(),
      );
      expect((await OAuthTesting.issueToken(app, { scopes: [] })).scopes).toEqual([]);
    });

    it("issues to a host's own client within its scopes", async () => {
      const { client } = await app.get(ClientService).register({
        name: 'Mobile app',
        redirectUris: ['https://app.example/cb'],
        scopes: ['accounts:read'],
      });
      const issued = await OAuthTesting.issueToken(app, {
        user: 'user-alice',
        client: client.clientId,
        scopes: ['accounts:read'],
      });
      expect(issued.clientId).toBe(client.clientId);
      expect((await get(server, '/api/accounts', issued.accessToken)).status).toBe(200);
      await expect(
        OAuthTesting.tokenFor(app, {
          user: 'user-alice',
          client: client.clientId,
          scopes: ['email'],
        }),
      ).rejects.toThrow("OAuthTesting: This client may not request 'email'.");
      // An authorization_code client holds no token of its own.
      await expect(OAuthTesting.tokenFor(app, { client: client.clientId })).rejects.toThrow(
        /may not use client_credentials/,
      );
    });

    it("refuses what the token endpoint refuses: unknown scopes, a user's scope for a client", async () => {
      await expect(
        OAuthTesting.tokenFor(app, { user: 'user-alice', scopes: ['admin'] }),
      ).rejects.toThrow("OAuthTesting: Unknown scope 'admin'.");
      await expect(OAuthTesting.tokenFor(app, { scopes: ['payments:write'] })).rejects.toThrow(
        "'payments:write' needs a signed-in user",
      );
      await expect(OAuthTesting.tokenFor(app, { user: '' })).rejects.toThrow(/non-empty user id/);
    });

    it('gives stored tokens: revoking them stops them at once (strict revocation check)', async () => {
      const issued = await OAuthTesting.issueToken(app, {
        user: 'user-bob',
        scopes: ['accounts:read'],
      });
      expect((await get(server, '/api/accounts', issued.accessToken)).status).toBe(200);
      await app.get(TokenRevocationService).revokeUserAtClient('user-bob', issued.clientId);
      expect((await get(server, '/api/accounts', issued.accessToken)).status).toBe(401);
    });

    it("refuses to run when NODE_ENV is 'production'", async () => {
      const before = process.env.NODE_ENV;
      process.env.NODE_ENV = 'production';
      try {
        await expect(OAuthTesting.tokenFor(app, { user: 'user-alice' })).rejects.toThrow(
          "refuses to run when NODE_ENV is 'production'",
        );
      } finally {
        process.env.NODE_ENV = before;
      }
    });
  });

  describeOn('sqlite')('on an app with opaque access tokens (%s)', (target) => {
    let server: TestApp;

    beforeAll(async () => {
      server = await startTestApp(
        target,
        { accessTokenFormat: 'opaque' },
        { controllers: [AccountsController] },
      );
    });
    afterAll(() => server.close());

    it('gives an opaque token the guard looks up', async () => {
      const token = await OAuthTesting.tokenFor(server.app, {
        user: 'user-alice',
        scopes: ['accounts:read'],
      });
      expect(token).not.toContain('.');
      const { status, body } = await get(server, '/api/accounts', token);
      expect(status).toBe(200);
      expect(body.user.id).toBe('user-alice');
    });
  });

  describe('on a Fastify app called through inject()', () => {
    let app: NestFastifyApplication;

    beforeAll(async () => {
      const moduleRef = await Test.createTestingModule({
        imports: [
          OAuthModule.forRoot({
            issuer: 'http://127.0.0.1:3000',
            dataSource: { type: 'better-sqlite3', database: ':memory:' },
            scopes: TEST_SCOPES,
            resourceOwner: testResourceOwner,
            interaction: { loginUrl: '/login' },
          }),
        ],
        controllers: [AccountsController],
      }).compile();
      app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), {
        logger: false,
      });
      await app.init();
      await app.getHttpAdapter().getInstance().ready();
    });
    afterAll(() => app?.close());

    it('gives tokens the guard and the decorators accept', async () => {
      const response = await app.inject({
        method: 'GET',
        url: '/api/accounts',
        headers: await OAuthTesting.authHeader(app, {
          user: 'user-alice',
          scopes: ['accounts:read'],
        }),
      });
      expect(response.statusCode).toBe(200);
      expect(response.json().user.id).toBe('user-alice');
    });
  });
});
