// OAuthGuard, the oauth-bearer passport strategy and the resource decorators, on host routes
// (test controllers below), against SQLite and PostgreSQL: RFC 6750 errors and challenges,
// scopes, user-only routes, token placement, revocation modes, refused forgeries, opaque tokens.
import { Body, Controller, Get, HttpCode, Post, Req, UseGuards } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { createHmac } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, generateKeyPair, JWTPayload, SignJWT } from 'jose';
import {
  AccessToken,
  AnyScope,
  OAUTH_BEARER_STRATEGY,
  OAuthGuard,
  OAuthModuleOptions,
  OAUTH_PATHS,
  OAuthUser,
  Public,
  RequireUser,
  Scopes,
  TokenIssuer,
} from '../../src';
import type { VerifiedAccessToken } from '../../src';
import { KeyRing } from '../../src/keys/key-ring.service';
import { TokenStore } from '../../src/storage/stores/token.store';
import { describeOn, TEST_TARGETS, TestTarget } from '../support/targets';
import { startTestApp, TestApp } from '../support/test-app';
import {
  clientCredentials,
  queryRows,
  rawRequest as sendRawRequest,
  RawResponse,
  registerCodeClient,
  registerServiceClient,
  revokeFamilyOf,
  seedCodeAndExchange,
  sha256,
  sleep,
  TestClient,
} from '../support/token-helpers';

// ---------------------------------------------------------------------------------------------
// Host controllers under test

/** What the handlers echo back: the param decorators' values. */
const echo = (token: VerifiedAccessToken, user: unknown) => ({ token, user: user ?? null });

@Controller('api')
@UseGuards(OAuthGuard)
@Scopes('accounts:read')
class BankController {
  /** Class scope: accounts:read. */
  @Get('accounts')
  accounts(@AccessToken() token: VerifiedAccessToken, @OAuthUser() user: unknown) {
    return echo(token, user);
  }

  /** The handler's @Scopes replaces the class's. */
  @Post('payments')
  @Scopes('payments:write')
  pay(@AccessToken() token: VerifiedAccessToken, @OAuthUser() user: unknown) {
    return echo(token, user);
  }

  /** Two scopes, all required. */
  @Get('statements')
  @Scopes('accounts:read', 'profile')
  statements(@AccessToken() token: VerifiedAccessToken) {
    return echo(token, undefined);
  }

  /** Needs a token issued to a user (plus the class scope). */
  @Get('me')
  @RequireUser()
  me(@AccessToken() token: VerifiedAccessToken, @OAuthUser() user: unknown) {
    return echo(token, user);
  }

  /** A POST route for form-body tokens (RFC 6750 §2.2). */
  @Post('form')
  @HttpCode(200)
  form(@AccessToken() token: VerifiedAccessToken) {
    return echo(token, undefined);
  }
}

@Controller('any')
@UseGuards(OAuthGuard)
class AnyScopeController {
  @Get()
  @AnyScope('payments:write', 'accounts:read')
  either(@AccessToken() token: VerifiedAccessToken) {
    return echo(token, undefined);
  }

  @Get('strict')
  @AnyScope('payments:write', 'profile')
  neither(@AccessToken() token: VerifiedAccessToken) {
    return echo(token, undefined);
  }
}

/** The plain @nestjs/passport guard on our strategy name: authentication only. */
@Controller('passport')
class PassportController {
  @Get()
  @UseGuards(AuthGuard(OAUTH_BEARER_STRATEGY))
  who(@Req() request: { user: VerifiedAccessToken }) {
    return { user: request.user };
  }

  @Post()
  @HttpCode(200)
  @UseGuards(AuthGuard(OAUTH_BEARER_STRATEGY))
  post(@Req() request: { user: VerifiedAccessToken }) {
    return { user: request.user };
  }
}

/** For the app with OAuthGuard as APP_GUARD: no @UseGuards here. */
@Controller('global')
class GlobalController {
  @Get('open')
  @Public()
  open() {
    return { open: true };
  }

  @Get('closed')
  closed(@AccessToken() token: VerifiedAccessToken) {
    return echo(token, undefined);
  }

  @Get('scoped')
  @Scopes('payments:write')
  scoped() {
    return { scoped: true };
  }

  @Post('echo')
  @Public()
  @HttpCode(200)
  body(@Body() body: unknown) {
    return body;
  }
}

const HOST_CONTROLLERS = [BankController, AnyScopeController, PassportController];

// ---------------------------------------------------------------------------------------------
// Helpers

function call(
  server: TestApp,
  path: string,
  token?: string,
  init: RequestInit = {},
): Promise<Response> {
  const headers = new Headers(init.headers);
  if (token !== undefined) headers.set('authorization', `Bearer ${token}`);
  return fetch(`${server.url}${path}`, { ...init, headers });
}

/** Exact RFC 6750 §3 challenge: realm, error, any error_description, then the extra attributes. */
function challenge(server: TestApp, error: string, extra = ''): RegExp {
  const realm = escape(server.url);
  return new RegExp(
    `^Bearer realm="${realm}", error="${error}", error_description="[^"\\\\]*"${escape(extra)}$`,
  );
}

/**
 * The RFC 6750 challenge of a refusal. Behind a plain `AuthGuard('oauth-bearer')` on Fastify the
 * strategy cannot reach the reply (Fastify's request has no link to it), so there the host's
 * filter answers the status and body without the header: OAuthGuard is the full answer.
 */
function expectChallenge(
  server: TestApp,
  path: string,
  header: string | undefined,
  error: string,
): void {
  if (path === '/passport' && server.app.getHttpAdapter().getType() === 'fastify') {
    expect(header).toBeUndefined();
  } else {
    expect(header).toMatch(challenge(server, error));
  }
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

async function expectRefused(
  response: Response,
  server: TestApp,
  status: number,
  error: string,
  extra = '',
): Promise<void> {
  expect({ status: response.status, challenge: response.headers.get('www-authenticate') }).toEqual({
    status,
    challenge: expect.stringMatching(challenge(server, error, extra)),
  });
  expect(await response.json()).toEqual({ error, error_description: expect.any(String) });
}

async function expectInvalidToken(
  server: TestApp,
  token: string,
  path = '/api/accounts',
  init: RequestInit = {},
): Promise<void> {
  await expectRefused(await call(server, path, token, init), server, 401, 'invalid_token');
}

/** A request with exactly these bytes (fetch refuses a GET body and adds its own content type). */
function rawRequest(
  server: TestApp,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<RawResponse> {
  return sendRawRequest(server, { method, path, headers, body });
}

async function clientToken(
  server: TestApp,
  client: TestClient,
  scope = 'accounts:read',
): Promise<string> {
  const response = await clientCredentials(server, client, { scope });
  if (response.status !== 200)
    throw new Error(`client_credentials failed: ${response.status} ${response.text}`);
  return response.body.access_token;
}

async function userToken(
  server: TestApp,
  scopes: string[],
  subject = 'user-alice',
): Promise<string> {
  const client = await registerCodeClient(server);
  const tokens = await seedCodeAndExchange(server, client, { subject, scopes });
  return tokens.access_token;
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Re-signs a real token's claims (with changes) with the server's own signing key. */
async function resign(
  server: TestApp,
  token: string,
  claims: Partial<JWTPayload> = {},
  header: Record<string, unknown> = {},
): Promise<string> {
  const key = server.app.get(KeyRing).signingKey();
  return new SignJWT({ ...decodeJwt(token), ...claims })
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'at+jwt', ...header })
    .sign(key.privateKey!);
}

async function start(
  target: TestTarget,
  overrides: Partial<OAuthModuleOptions> = {},
  extra: Parameters<typeof startTestApp>[2] = {},
) {
  return startTestApp(target, overrides, { controllers: HOST_CONTROLLERS, ...extra });
}

// ---------------------------------------------------------------------------------------------

describe.each(TEST_TARGETS)('OAuthGuard on host routes (%s)', (target) => {
  describe('default options: JWT access tokens, strict revocation check', () => {
    let server: TestApp;
    let service: TestClient;
    let readToken: string;
    let openidToken: string;

    beforeAll(async () => {
      server = await start(target);
      service = await registerServiceClient(server, {
        scopes: ['accounts:read', 'profile', 'payments:write'],
      });
      readToken = await clientToken(server, service);
      openidToken = await userToken(server, ['openid']);
    });
    afterAll(() => server.close());

    describe('RFC 6750 errors', () => {
      it('answers a request without a token with 401 and a challenge that has no error attribute', async () => {
        const response = await call(server, '/api/accounts');
        expect(response.status).toBe(401);
        expect(response.headers.get('www-authenticate')).toBe(`Bearer realm="${server.url}"`);
        expect(await response.json()).toMatchObject({ error: 'invalid_token' });
      });

      it('treats an Authorization header of another scheme as no bearer token', async () => {
        const response = await call(server, '/api/accounts', undefined, {
          headers: { authorization: 'Basic YTpi' },
        });
        expect(response.status).toBe(401);
        expect(response.headers.get('www-authenticate')).toBe(`Bearer realm="${server.url}"`);
      });

      it('answers a malformed Authorization header with 400 invalid_request', async () => {
        for (const authorization of ['Bearer', `Bearer ${readToken} extra`, 'Bearer  two-spaces']) {
          const response = await call(server, '/api/accounts', undefined, {
            headers: { authorization },
          });
          await expectRefused(response, server, 400, 'invalid_request');
        }
      });

      it('answers a malformed token with 401 invalid_token', async () => {
        await expectInvalidToken(server, 'not-a-token');
        await expectInvalidToken(server, 'a.b.c');
        const [header, payload] = readToken.split('.');
        await expectInvalidToken(server, `${header}.${payload}.`);
      });

      it('answers a missing scope with 403 insufficient_scope and the scope the route needs', async () => {
        const token = await clientToken(server, service, 'profile');
        await expectRefused(
          await call(server, '/api/accounts', token),
          server,
          403,
          'insufficient_scope',
          ', scope="accounts:read"',
        );
      });

      it('needs every scope of @Scopes and names them all', async () => {
        await expectRefused(
          await call(server, '/api/statements', readToken),
          server,
          403,
          'insufficient_scope',
          ', scope="accounts:read profile"',
        );
        const both = await clientToken(server, service, 'accounts:read profile');
        expect((await call(server, '/api/statements', both)).status).toBe(200);
      });

      it('lets a valid token through with 200', async () => {
        const response = await call(server, '/api/accounts', readToken);
        expect(response.status).toBe(200);
        expect(response.headers.get('www-authenticate')).toBeNull();
      });
    });

    describe('@AnyScope', () => {
      it('accepts any one of the listed scopes', async () => {
        expect((await call(server, '/any', readToken)).status).toBe(200);
        const profile = await clientToken(server, service, 'profile');
        expect((await call(server, '/any/strict', profile)).status).toBe(200);
      });

      it('refuses a token with none of them, naming the alternatives', async () => {
        await expectRefused(
          await call(server, '/any/strict', readToken),
          server,
          403,
          'insufficient_scope',
          ', scope="payments:write profile"',
        );
      });
    });

    describe('scopes on a controller and on a handler', () => {
      it('a token with accounts:read cannot create a payment', async () => {
        await expectRefused(
          await call(server, '/api/payments', readToken, { method: 'POST' }),
          server,
          403,
          'insufficient_scope',
          ', scope="payments:write"',
        );
        const alice = await userToken(server, ['accounts:read']);
        await expectRefused(
          await call(server, '/api/payments', alice, { method: 'POST' }),
          server,
          403,
          'insufficient_scope',
          ', scope="payments:write"',
        );
      });

      it("the handler's @Scopes replaces the controller's: payments:write alone is enough", async () => {
        const payer = await userToken(server, ['payments:write']);
        const response = await call(server, '/api/payments', payer, { method: 'POST' });
        expect(response.status).toBe(201);
        expect((await response.json()).token.scopes).toEqual(['payments:write']);
        // ...and it does not reach the class-scoped route.
        await expectRefused(
          await call(server, '/api/accounts', payer),
          server,
          403,
          'insufficient_scope',
          ', scope="accounts:read"',
        );
      });
    });

    describe('@RequireUser', () => {
      it('refuses a client_credentials token with 401 insufficient_user_authentication', async () => {
        await expectRefused(
          await call(server, '/api/me', readToken),
          server,
          401,
          'insufficient_user_authentication',
        );
      });

      it('accepts a token issued to a user', async () => {
        const response = await call(server, '/api/me', await userToken(server, ['accounts:read']));
        expect(response.status).toBe(200);
        expect((await response.json()).user).toMatchObject({ id: 'user-alice' });
      });
    });

    describe('@AccessToken and @OAuthUser', () => {
      it('give the verified claims and no user for a client token', async () => {
        const claims = decodeJwt(readToken);
        const response = await call(server, '/api/accounts', readToken);
        expect(await response.json()).toEqual({
          token: {
            id: claims.jti,
            userId: null,
            clientId: service.clientId,
            scopes: ['accounts:read'],
            audience: [server.url],
            issuedAt: claims.iat,
            expiresAt: claims.exp,
          },
          user: null,
        });
      });

      it('give the user and its client for a user token', async () => {
        const client = await registerCodeClient(server);
        const { access_token } = await seedCodeAndExchange(server, client, {
          subject: 'user-bob',
          scopes: ['accounts:read', 'payments:write'],
        });
        const body = await (await call(server, '/api/accounts', access_token)).json();
        expect(body.user).toEqual({
          id: 'user-bob',
          clientId: client.clientId,
          scopes: ['accounts:read', 'payments:write'],
        });
        expect(body.token).toMatchObject({
          userId: 'user-bob',
          clientId: client.clientId,
          scopes: ['accounts:read', 'payments:write'],
          authTime: expect.any(Number),
        });
      });
    });

    describe('revocation (strict)', () => {
      it('stops a revoked token at once', async () => {
        const token = await clientToken(server, service);
        expect((await call(server, '/api/accounts', token)).status).toBe(200);
        await revokeFamilyOf(server.app, decodeJwt(token).jti!);
        await expectInvalidToken(server, token);
      });

      it('stops every access token of a revoked user authorization', async () => {
        const client = await registerCodeClient(server);
        const tokens = await seedCodeAndExchange(server, client, {
          scopes: ['accounts:read', 'offline_access'],
        });
        expect((await call(server, '/api/me', tokens.access_token)).status).toBe(200);
        await revokeFamilyOf(server.app, decodeJwt(tokens.access_token).jti!);
        await expectInvalidToken(server, tokens.access_token, '/api/me');
      });

      it('refuses a well-signed token whose row does not exist', async () => {
        await expectInvalidToken(server, await resign(server, readToken, { jti: 'no-such-token' }));
      });
    });

    describe('when the database fails', () => {
      afterEach(() => jest.restoreAllMocks());

      it('answers 500, not invalid_token, so clients keep their tokens', async () => {
        jest
          .spyOn(server.app.get(TokenStore), 'findRevocationStatus')
          .mockRejectedValueOnce(new Error('database is down'));
        const response = await call(server, '/api/accounts', readToken);
        expect(response.status).toBe(500);
        expect(response.headers.get('www-authenticate')).toBeNull();
        expect((await call(server, '/api/accounts', readToken)).status).toBe(200);
      });
    });

    describe('tokens that are refused', () => {
      it('accepts the same claims re-signed with the server key (the forging harness itself is sound)', async () => {
        expect((await call(server, '/api/accounts', await resign(server, readToken))).status).toBe(
          200,
        );
      });

      it('signed by an unknown key', async () => {
        const { privateKey } = await generateKeyPair('RS256');
        const forged = await new SignJWT(decodeJwt(readToken))
          .setProtectedHeader({ alg: 'RS256', kid: 'unknown-kid', typ: 'at+jwt' })
          .sign(privateKey);
        await expectInvalidToken(server, forged);
      });

      it("signed by another key that claims the server key's kid", async () => {
        const { privateKey } = await generateKeyPair('RS256');
        const forged = await new SignJWT(decodeJwt(readToken))
          .setProtectedHeader({
            alg: 'RS256',
            kid: decodeProtectedHeader(readToken).kid!,
            typ: 'at+jwt',
          })
          .sign(privateKey);
        await expectInvalidToken(server, forged);
      });

      it('with alg none', async () => {
        const { kid } = decodeProtectedHeader(readToken);
        for (const alg of ['none', 'None', 'NONE']) {
          const unsigned = `${b64({ alg, typ: 'at+jwt', kid })}.${readToken.split('.')[1]}.`;
          await expectInvalidToken(server, unsigned);
        }
        await expectInvalidToken(
          server,
          `${b64({ alg: 'none', typ: 'at+jwt' })}.${readToken.split('.')[1]}.`,
        );
      });

      it('with HS256 keyed by the public key (algorithm confusion)', async () => {
        const key = server.app.get(KeyRing).signingKey();
        const pem = key.publicKey.export({ type: 'spki', format: 'pem' }) as string;
        for (const secret of [pem, JSON.stringify(key.publicJwk), key.publicJwk.n!]) {
          const input = `${b64({ alg: 'HS256', typ: 'at+jwt', kid: key.kid })}.${readToken.split('.')[1]}`;
          const forged = `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
          await expectInvalidToken(server, forged);
        }
      });

      it('expired (exp in the past, signed by the server)', async () => {
        const now = Math.floor(Date.now() / 1000);
        await expectInvalidToken(
          server,
          await resign(server, readToken, { iat: now - 3600, exp: now - 60 }),
        );
      });

      it('not yet valid (nbf in the future)', async () => {
        await expectInvalidToken(
          server,
          await resign(server, readToken, { nbf: Math.floor(Date.now() / 1000) + 600 }),
        );
      });

      it('for another audience, signed with the server key', async () => {
        await expectInvalidToken(
          server,
          await resign(server, readToken, { aud: 'https://other.example' }),
        );
        await expectInvalidToken(
          server,
          await resign(server, readToken, { aud: ['https://other.example'] }),
        );
      });

      it('from another issuer, signed with the server key', async () => {
        await expectInvalidToken(
          server,
          await resign(server, readToken, { iss: 'https://other-issuer.example' }),
        );
      });

      it('with typ JWT or no typ instead of at+jwt (an id_token is not an access token)', async () => {
        await expectInvalidToken(server, await resign(server, readToken, {}, { typ: 'JWT' }));
        await expectInvalidToken(server, await resign(server, readToken, {}, { typ: undefined }));
      });

      it('with a tampered payload (scope changed, signature kept)', async () => {
        const [header, payload, signature] = readToken.split('.');
        const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
        const tampered = `${header}.${b64({ ...claims, scope: 'accounts:read payments:write' })}.${signature}`;
        await expectInvalidToken(server, tampered, '/api/payments', { method: 'POST' });
        await expectInvalidToken(server, tampered);
      });

      it('with a client_id that differs from the stored row', async () => {
        await expectInvalidToken(
          server,
          await resign(server, readToken, { client_id: 'someone-else' }),
        );
      });

      it('an opaque-looking token when the server issues JWTs', async () => {
        await expectInvalidToken(server, 'R4nd0mOpaqueTokenValue_that-is-not-ours');
      });
    });

    describe('token placement (RFC 6750 §2)', () => {
      it('refuses a query-string token by default with 400 invalid_request', async () => {
        const response = await fetch(`${server.url}/api/accounts?access_token=${readToken}`);
        await expectRefused(response, server, 400, 'invalid_request');
      });

      it.each(['/api/form', '/api/payments', '/passport', OAUTH_PATHS.userinfo])(
        'refuses a form-body token by default (RFC 6750 §2.2 is opt-in): POST %s -> 400 invalid_request',
        async (path) => {
          const token = path === OAUTH_PATHS.userinfo ? openidToken : readToken;
          const response = await rawRequest(
            server,
            'POST',
            path,
            { 'content-type': 'application/x-www-form-urlencoded' },
            new URLSearchParams({ access_token: token }).toString(),
          );
          expect(response.status).toBe(400);
          expect(JSON.parse(response.text)).toMatchObject({ error: 'invalid_request' });
          expectChallenge(
            server,
            path,
            response.headers['www-authenticate'] as string,
            'invalid_request',
          );
        },
      );

      it.each(['/api/accounts', '/passport', OAUTH_PATHS.userinfo])(
        'refuses a query-string token by default: GET %s -> 400 invalid_request',
        async (path) => {
          const token = path === OAUTH_PATHS.userinfo ? openidToken : readToken;
          const response = await fetch(`${server.url}${path}?access_token=${token}`);
          expect(response.status).toBe(400);
          expect(await response.json()).toMatchObject({ error: 'invalid_request' });
          expectChallenge(
            server,
            path,
            response.headers.get('www-authenticate') ?? undefined,
            'invalid_request',
          );
        },
      );

      it('userinfo and the passport route still accept the header', async () => {
        expect((await call(server, OAUTH_PATHS.userinfo, openidToken)).status).toBe(200);
        expect((await call(server, '/passport', readToken, { method: 'POST' })).status).toBe(200);
      });

      it('refuses a structured form-body token as malformed, not with a server error', async () => {
        const response = await rawRequest(
          server,
          'POST',
          '/api/form',
          { 'content-type': 'application/x-www-form-urlencoded' },
          'access_token[value]=x',
        );
        expect(response.status).toBe(400);
        expect(response.headers['www-authenticate']).toMatch(challenge(server, 'invalid_request'));
      });

      it('never reads a token from the body of a GET (no token: 401)', async () => {
        const response = await rawRequest(
          server,
          'GET',
          '/api/accounts',
          { 'content-type': 'application/x-www-form-urlencoded' },
          new URLSearchParams({ access_token: readToken }).toString(),
        );
        expect(response.status).toBe(401);
        expect(response.headers['www-authenticate']).toBe(`Bearer realm="${server.url}"`);
      });

      it('refuses a token in a JSON body', async () => {
        const response = await rawRequest(
          server,
          'POST',
          '/api/form',
          { 'content-type': 'application/json' },
          JSON.stringify({ access_token: readToken }),
        );
        expect(response.status).toBe(400);
        expect(response.headers['www-authenticate']).toMatch(challenge(server, 'invalid_request'));
      });

      it('refuses a token sent in two places with 400', async () => {
        const response = await rawRequest(
          server,
          'POST',
          '/api/form',
          {
            'content-type': 'application/x-www-form-urlencoded',
            authorization: `Bearer ${readToken}`,
          },
          new URLSearchParams({ access_token: readToken }).toString(),
        );
        expect(response.status).toBe(400);
        expect(JSON.parse(response.text)).toMatchObject({ error: 'invalid_request' });
        expect(response.headers['www-authenticate']).toMatch(challenge(server, 'invalid_request'));
      });
    });

    describe("AuthGuard('oauth-bearer') from @nestjs/passport", () => {
      it('authenticates a valid token and puts the verified token on request.user', async () => {
        const response = await call(server, '/passport', readToken);
        expect(response.status).toBe(200);
        expect((await response.json()).user).toMatchObject({
          clientId: service.clientId,
          scopes: ['accounts:read'],
        });
      });

      it('refuses a bad or missing token with 401', async () => {
        expect((await call(server, '/passport', 'not-a-token')).status).toBe(401);
        expect((await call(server, '/passport')).status).toBe(401);
        expect(
          (
            await call(
              server,
              '/passport',
              await resign(server, readToken, { aud: 'https://other.example' }),
            )
          ).status,
        ).toBe(401);
      });
    });
  });

  describe("resourceServer: { revocationCheck: 'stateless' }", () => {
    let server: TestApp;
    beforeAll(async () => {
      server = await start(target, { resourceServer: { revocationCheck: 'stateless' } });
    });
    afterAll(() => server.close());

    it('keeps accepting a revoked token until it expires (the documented trade-off)', async () => {
      const token = await clientToken(server, await registerServiceClient(server));
      await server.app.get(TokenStore).revoke({ familyId: decodeJwt(token).jti! }, Date.now());
      expect((await call(server, '/api/accounts', token)).status).toBe(200);
    });

    it('still refuses forgeries and other audiences', async () => {
      const token = await clientToken(server, await registerServiceClient(server));
      await expectInvalidToken(
        server,
        await resign(server, token, { aud: 'https://other.example' }),
      );
      await expectInvalidToken(
        server,
        `${b64({ alg: 'none', typ: 'at+jwt' })}.${token.split('.')[1]}.`,
      );
    });
  });

  describe('resourceServer: { allowQueryToken: true }', () => {
    let server: TestApp;
    beforeAll(async () => {
      server = await start(target, { resourceServer: { allowQueryToken: true } });
    });
    afterAll(() => server.close());

    it('accepts a query-string token', async () => {
      const token = await clientToken(server, await registerServiceClient(server));
      const response = await fetch(
        `${server.url}/api/accounts?access_token=${encodeURIComponent(token)}`,
      );
      expect(response.status).toBe(200);
    });

    it('still refuses a token in the query and the header at once', async () => {
      const token = await clientToken(server, await registerServiceClient(server));
      const response = await call(
        server,
        `/api/accounts?access_token=${encodeURIComponent(token)}`,
        token,
      );
      await expectRefused(response, server, 400, 'invalid_request');
    });
  });

  describe('resourceServer: { allowBodyToken: true }', () => {
    let server: TestApp;
    let token: string;
    let openidToken: string;
    beforeAll(async () => {
      server = await start(target, { resourceServer: { allowBodyToken: true } });
      token = await clientToken(
        server,
        await registerServiceClient(server, { scopes: ['accounts:read', 'payments:write'] }),
      );
      openidToken = await userToken(server, ['openid']);
    });
    afterAll(() => server.close());

    const form = (path: string, body: string, headers: Record<string, string> = {}) =>
      rawRequest(
        server,
        'POST',
        path,
        { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body,
      );

    it.each(['/api/form', '/passport', OAUTH_PATHS.userinfo])(
      'accepts a form-body token on a form-encoded POST %s',
      async (path) => {
        const value = path === OAUTH_PATHS.userinfo ? openidToken : token;
        const response = await form(path, new URLSearchParams({ access_token: value }).toString());
        expect(response.status).toBe(200);
      },
    );

    it.each(['/api/form', '/passport', OAUTH_PATHS.userinfo])(
      'still refuses a token in the body and the header at once: %s',
      async (path) => {
        const response = await form(path, new URLSearchParams({ access_token: token }).toString(), {
          authorization: `Bearer ${token}`,
        });
        expect(response.status).toBe(400);
        expectChallenge(
          server,
          path,
          response.headers['www-authenticate'] as string,
          'invalid_request',
        );
      },
    );

    it('still never reads a token from the body of a GET (no token: 401)', async () => {
      const body = new URLSearchParams({ access_token: token }).toString();
      const type = 'application/x-www-form-urlencoded';
      const response = await rawRequest(
        server,
        'GET',
        '/api/accounts',
        { 'content-type': type },
        body,
      );
      expect(response.status).toBe(401);
    });

    it.each([
      ['a JSON body', 'POST', '/api/form', 'application/json'],
      ['a JSON body (passport)', 'POST', '/passport', 'application/json'],
      ['a JSON body (userinfo)', 'POST', OAUTH_PATHS.userinfo, 'application/json'],
    ])('still refuses a body token in %s', async (_, method, path, type) => {
      const body =
        type === 'application/json'
          ? JSON.stringify({ access_token: token })
          : new URLSearchParams({ access_token: token }).toString();
      const response = await rawRequest(server, method, path, { 'content-type': type }, body);
      expect(response.status).toBe(400);
      expectChallenge(
        server,
        path,
        response.headers['www-authenticate'] as string,
        'invalid_request',
      );
    });

    it('still refuses a query-string token', async () => {
      const response = await fetch(`${server.url}/api/accounts?access_token=${token}`);
      await expectRefused(response, server, 400, 'invalid_request');
    });
  });

  describe('expiry with accessTokenTtl: 1 and clockTolerance: 0', () => {
    let server: TestApp;
    beforeAll(async () => {
      server = await start(target, { accessTokenTtl: 1, resourceServer: { clockTolerance: 0 } });
    });
    afterAll(() => server.close());

    it('refuses the token once it has expired', async () => {
      const token = await clientToken(server, await registerServiceClient(server));
      const { exp } = decodeJwt(token);
      await sleep(Math.max(0, exp! * 1000 - Date.now()) + 200);
      await expectInvalidToken(server, token);
    });
  });

  describe('OAuthGuard as APP_GUARD', () => {
    let server: TestApp;
    let token: string;
    beforeAll(async () => {
      server = await startTestApp(
        target,
        {},
        {
          controllers: [GlobalController],
          providers: [{ provide: APP_GUARD, useClass: OAuthGuard }],
        },
      );
      // Issued directly: see the test below on the module's own endpoints.
      const { clientId } = await registerServiceClient(server);
      const issued = await server.app.get(TokenIssuer).issue({
        clientId,
        subject: null,
        scopes: ['accounts:read'],
        grantType: 'client_credentials',
        withRefreshToken: false,
      });
      token = issued.response.access_token;
    });
    afterAll(() => server.close());

    it('lets a @Public() route through without a token', async () => {
      const response = await call(server, '/global/open');
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ open: true });
      const posted = await call(server, '/global/echo', undefined, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ a: 1 }),
      });
      expect(posted.status).toBe(200);
    });

    it('protects every other route', async () => {
      const response = await call(server, '/global/closed');
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe(`Bearer realm="${server.url}"`);
      expect((await call(server, '/global/closed', token)).status).toBe(200);
      await expectRefused(
        await call(server, '/global/scoped', token),
        server,
        403,
        'insufficient_scope',
        ', scope="payments:write"',
      );
    });

    it('leaves the authorization server endpoints to their own authentication', async () => {
      expect((await fetch(`${server.url}/.well-known/oauth-authorization-server`)).status).toBe(
        200,
      );
      expect((await fetch(`${server.url}/oauth/jwks`)).status).toBe(200);
      const client = await registerServiceClient(server);
      expect((await clientCredentials(server, client, { scope: 'accounts:read' })).status).toBe(
        200,
      );
    });
  });

  describe("accessTokenFormat: 'opaque'", () => {
    let server: TestApp;
    let service: TestClient;
    beforeAll(async () => {
      server = await start(target, { accessTokenFormat: 'opaque' });
      service = await registerServiceClient(server);
    });
    afterAll(() => server.close());

    it('verifies an opaque token by lookup and gives its values to the decorators', async () => {
      const token = await clientToken(server, service);
      expect(token.split('.')).toHaveLength(1);
      const response = await call(server, '/api/accounts', token);
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({
        token: {
          userId: null,
          clientId: service.clientId,
          scopes: ['accounts:read'],
          audience: [server.url],
        },
        user: null,
      });
    });

    it('checks scopes and users as for JWTs', async () => {
      const token = await clientToken(server, service);
      await expectRefused(
        await call(server, '/api/payments', token, { method: 'POST' }),
        server,
        403,
        'insufficient_scope',
        ', scope="payments:write"',
      );
      await expectRefused(
        await call(server, '/api/me', token),
        server,
        401,
        'insufficient_user_authentication',
      );
      const alice = await userToken(server, ['accounts:read']);
      expect((await (await call(server, '/api/me', alice)).json()).user).toMatchObject({
        id: 'user-alice',
      });
    });

    it('refuses a revoked opaque token at once', async () => {
      const token = await clientToken(server, service);
      expect((await call(server, '/api/accounts', token)).status).toBe(200);
      const stored = await server.app.get(TokenStore).findByAccessTokenHash(sha256(token));
      await revokeFamilyOf(server.app, stored!.id);
      await expectInvalidToken(server, token);
    });

    it('refuses an opaque token issued for another resource', async () => {
      const token = await clientToken(server, service);
      await queryRows(server, 'UPDATE oauth_tokens SET audience = ? WHERE access_token_hash = ?', [
        JSON.stringify(['https://payments.example.com/']),
        sha256(token),
      ]);
      await expectInvalidToken(server, token);
    });

    it('refuses an unknown opaque token and a JWT', async () => {
      await expectInvalidToken(server, 'R4nd0mOpaqueTokenValue_that-is-not-ours');
      await expectInvalidToken(
        server,
        `${b64({ alg: 'RS256', typ: 'at+jwt' })}.${b64({ sub: 'x' })}.c2ln`,
      );
    });
  });
});

describeOn('sqlite')('two apps in one process (%s)', (target) => {
  let first: TestApp;
  let second: TestApp;
  beforeAll(async () => {
    first = await start(target);
    second = await start(target);
  });
  afterAll(async () => {
    await second?.close();
    await first?.close();
  });

  it("each OAuthGuard verifies with its own app's keys and database", async () => {
    const firstToken = await clientToken(first, await registerServiceClient(first));
    const secondToken = await clientToken(second, await registerServiceClient(second));
    expect((await call(first, '/api/accounts', firstToken)).status).toBe(200);
    expect((await call(second, '/api/accounts', secondToken)).status).toBe(200);
    expect((await call(first, '/api/accounts', secondToken)).status).toBe(401);
  });
});
