// Authentication levels and step-up (issue #19): the host reports how the user signed in (acr,
// amr, auth_time); scopes need levels (`acr.scopes`); the authorization endpoint sends a user
// below the level back to the host's sign-in with acr_values and never issues a code below it;
// id_tokens, JWT access tokens, introspection and refreshes carry the sign-in; the guard answers
// RFC 9470 insufficient_user_authentication with acr_values / max_age.
import { Controller, Get, UseGuards } from '@nestjs/common';
import { decodeJwt } from 'jose';
import {
  AccessToken,
  AnyScope,
  OAUTH_PATHS,
  OAuthGuard,
  RequireAcr,
  Scopes,
  type ResourceOwnerProvider,
  type VerifiedAccessToken,
} from '../../src';
import { OAuthTesting } from '../../src/testing';
import {
  callbackParams,
  codeRequest,
  consentForm,
  decide,
  exchangeCode,
  expectErrorPage,
  expectRedirectError,
  isConsentPage,
  nowSeconds,
  Page,
  TestBrowser,
  timedResourceOwner,
} from '../support/authorize-helpers';
import { describeOn, TEST_TARGETS } from '../support/targets';
import { startTestApp, TEST_USERS, TestApp } from '../support/test-app';
import {
  basicHeaders,
  postForm,
  refresh,
  registerClient,
  registerCodeClient,
  registerServiceClient,
  seedCodeAndExchange,
  sleep,
  TestClient,
} from '../support/token-helpers';

const LEVELS = ['low', 'substantial', 'high'];
const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const METHODS: Record<string, string[]> = {
  low: ['pwd'],
  substantial: ['pwd', 'otp'],
  high: ['pwd', 'hwk'],
};

/** timedResourceOwner plus `x-test-acr: <level>` (default "low"), reported with its amr. */
const leveledResourceOwner: ResourceOwnerProvider = {
  ...timedResourceOwner,
  getSignedInUser: async (request) => {
    const user = await timedResourceOwner.getSignedInUser(request);
    if (!user) return null;
    const headers = (request as { headers: Record<string, string | undefined> }).headers;
    const acr = headers['x-test-acr'] ?? 'low';
    return { ...user, acr, amr: METHODS[acr] ?? ['pwd'] };
  },
  verifyPassword: (username, password) => {
    const user = Object.values(TEST_USERS).find((u) => u.username === username);
    return user && password === `${username}-password` ? user : null;
  },
};

/** A browser signed in as alice at `acr`, `authTime` seconds since the epoch (default: now). */
class LeveledBrowser extends TestBrowser {
  acr = 'low';

  override headers(extra: Record<string, string> = {}): Record<string, string> {
    return super.headers({ 'x-test-acr': this.acr, ...extra });
  }
}

@Controller('bank')
@UseGuards(OAuthGuard)
class BankController {
  @Get('payments')
  @Scopes('payments:write')
  payments(@AccessToken() token: VerifiedAccessToken) {
    return { acr: token.acr, amr: token.amr, authTime: token.authTime };
  }

  @Get('accounts')
  @Scopes('accounts:read')
  accounts() {
    return { ok: true };
  }

  @Get('either')
  @AnyScope('payments:write', 'accounts:read')
  either() {
    return { ok: true };
  }

  @Get('vault')
  @RequireAcr('high')
  vault() {
    return { ok: true };
  }

  @Get('recent')
  @RequireAcr('low', { maxAge: 60 })
  recent() {
    return { ok: true };
  }
}

function loginLocation(page: Page, server: TestApp): URL {
  expect(page.status).toBe(303);
  const location = new URL(page.location!, server.url);
  expect(location.pathname).toBe('/login');
  return location;
}

function get(server: TestApp, path: string, token: string): Promise<Response> {
  return fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
}

describe.each(TEST_TARGETS)('authentication levels and step-up (%s)', (target) => {
  let server: TestApp;
  let client: TestClient;

  beforeAll(async () => {
    server = await startTestApp(
      target,
      {
        resourceOwner: leveledResourceOwner,
        grantTypes: [
          'authorization_code',
          'client_credentials',
          'refresh_token',
          'password',
          DEVICE_CODE_GRANT,
        ],
        // An RFC 9396 type with a level of its own, stronger than the scope's.
        authorizationDetailsTypes: {
          transfer: { validate: () => undefined, describe: () => 'Move money between accounts' },
        },
        acr: {
          levels: LEVELS,
          scopes: { 'payments:write': 'substantial' },
          authorizationDetailsTypes: { transfer: 'high' },
        },
      },
      { controllers: [BankController] },
    );
    client = await registerCodeClient(server, { firstParty: true });
  });
  afterAll(() => server?.close());

  /** The flow from a signed-in browser to the tokens, asking for `scope`. */
  async function tokensFor(browser: LeveledBrowser, scope: string, extra = {}) {
    const request = codeRequest({ client, scope, extra });
    let page = await browser.authorize(request.params);
    if (isConsentPage(page)) page = await decide(browser, consentForm(page), 'allow');
    const code = callbackParams(page).get('code')!;
    expect(code).toBeTruthy();
    const call = await exchangeCode(server, client, {
      code,
      code_verifier: request.verifier,
      redirect_uri: request.params.redirect_uri,
    });
    expect(call.status).toBe(200);
    return call.body;
  }

  describe('discovery', () => {
    it.each(['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration'])(
      '%s advertises acr_values_supported in the declared order',
      async (path) => {
        const metadata = await (await fetch(`${server.url}${path}`)).json();
        expect(metadata.acr_values_supported).toEqual(LEVELS);
      },
    );

    it('lists acr and amr among the claims', async () => {
      const metadata = await (await fetch(`${server.url}/.well-known/openid-configuration`)).json();
      expect(metadata.claims_supported).toEqual(
        expect.arrayContaining(['acr', 'amr', 'auth_time']),
      );
    });
  });

  describe('the authorization endpoint', () => {
    it('sends a user who is not signed in to the login with the level payments:write needs', async () => {
      const browser = new LeveledBrowser(server);
      const page = await browser.authorize(codeRequest({ client, scope: 'payments:write' }).params);
      const login = loginLocation(page, server);
      expect(login.searchParams.get('acr_values')).toBe('substantial');
      expect(login.searchParams.get('return_to')).toMatch(/^\/oauth\/authorize\/interaction\//);
    });

    it('asks for no level when the scopes need none', async () => {
      const browser = new LeveledBrowser(server);
      const page = await browser.authorize(codeRequest({ client, scope: 'accounts:read' }).params);
      expect(loginLocation(page, server).searchParams.has('acr_values')).toBe(false);
    });

    it('steps a password sign-in up for payments, then issues the code at the new level', async () => {
      const browser = new LeveledBrowser(server, 'user-alice');
      browser.authTime = nowSeconds() - 120;
      const request = codeRequest({ client, scope: 'openid accounts:read payments:write' });
      const page = await browser.authorize({ ...request.params, nonce: 'n-1' });
      const login = loginLocation(page, server);
      expect(login.searchParams.get('acr_values')).toBe('substantial');
      // The host's second factor: the session is now "substantial", signed in just now.
      browser.acr = 'substantial';
      browser.authTime = nowSeconds() + 1;
      const back = await browser.get(login.searchParams.get('return_to')!);
      const code = callbackParams(back).get('code')!;
      const call = await exchangeCode(server, client, {
        code,
        code_verifier: request.verifier,
        redirect_uri: request.params.redirect_uri,
      });
      expect(call.status).toBe(200);
      const idToken = decodeJwt(call.body.id_token);
      expect(idToken).toMatchObject({
        acr: 'substantial',
        amr: ['pwd', 'otp'],
        auth_time: browser.authTime,
        nonce: 'n-1',
      });
      const accessToken = decodeJwt(call.body.access_token);
      expect(accessToken).toMatchObject({
        acr: 'substantial',
        amr: ['pwd', 'otp'],
        auth_time: browser.authTime,
      });
      const payments = await get(server, '/bank/payments', call.body.access_token);
      expect(payments.status).toBe(200);
      expect(await payments.json()).toEqual({
        acr: 'substantial',
        amr: ['pwd', 'otp'],
        authTime: browser.authTime,
      });
    });

    it('does not ask a user signed in at the level again', async () => {
      const browser = new LeveledBrowser(server, 'user-alice');
      browser.acr = 'high';
      const tokens = await tokensFor(browser, 'payments:write');
      expect(decodeJwt(tokens.access_token).acr).toBe('high');
    });

    it('answers access_denied when the user comes back from the sign-in still below the level', async () => {
      const browser = new LeveledBrowser(server);
      const page = await browser.authorize(codeRequest({ client, scope: 'payments:write' }).params);
      const returnTo = loginLocation(page, server).searchParams.get('return_to')!;
      // Signed in on the host's page after the request started, with a password only.
      await sleep(1100);
      browser.user = 'user-alice';
      browser.authTime = nowSeconds();
      const back = await browser.get(returnTo);
      const params = expectRedirectError(back, server, 'access_denied');
      expect(params.get('error_description')).toMatch(/substantial/);
    });

    it('answers prompt=none below the level with login_required', async () => {
      const browser = new LeveledBrowser(server, 'user-alice');
      const page = await browser.authorize(
        codeRequest({ client, scope: 'payments:write', extra: { prompt: 'none' } }).params,
      );
      const params = expectRedirectError(page, server, 'login_required');
      expect(params.get('error_description')).toMatch(/substantial/);
    });

    it('reads acr_values as a minimum, and as voluntary: one round trip, then the level reached', async () => {
      const browser = new LeveledBrowser(server, 'user-alice');
      browser.authTime = nowSeconds() - 60;
      const request = codeRequest({
        client,
        scope: 'accounts:read',
        extra: { acr_values: 'unknown-level high' },
      });
      const page = await browser.authorize(request.params);
      const login = loginLocation(page, server);
      expect(login.searchParams.get('acr_values')).toBe('high');
      // Signed in again, but only with a password: acr_values is not essential (OIDC Core).
      browser.authTime = nowSeconds() + 1;
      const back = await browser.get(login.searchParams.get('return_to')!);
      expect(callbackParams(back).get('code')).toBeTruthy();
    });

    it('passes max_age and prompt=login on to the login page', async () => {
      const browser = new LeveledBrowser(server, 'user-alice');
      browser.authTime = nowSeconds() - 600;
      const page = await browser.authorize(
        codeRequest({ client, scope: 'accounts:read', extra: { max_age: '300' } }).params,
      );
      expect(loginLocation(page, server).searchParams.get('max_age')).toBe('300');
      const again = await browser.authorize(
        codeRequest({ client, scope: 'accounts:read', extra: { prompt: 'login' } }).params,
      );
      expect(loginLocation(again, server).searchParams.get('prompt')).toBe('login');
    });

    it('refuses malformed acr_values with invalid_request', async () => {
      const page = await new LeveledBrowser(server, 'user-alice').authorize(
        codeRequest({ client, extra: { acr_values: 'x'.repeat(3000) } }).params,
      );
      expectRedirectError(page, server, 'invalid_request');
    });

    it('checks the level again at the consent decision: no code for a session that dropped below it', async () => {
      const consenting = await registerCodeClient(server, { name: 'Third party' });
      const browser = new LeveledBrowser(server, 'user-alice');
      browser.acr = 'substantial';
      const page = await browser.authorize(
        codeRequest({ client: consenting, scope: 'payments:write' }).params,
      );
      expect(isConsentPage(page)).toBe(true);
      browser.acr = 'low';
      const decided = await decide(browser, consentForm(page), 'allow');
      expectErrorPage(decided, decided.status);
      expect(decided.location).toBeNull();
    });
  });

  it('the device flow steps up too: the verification page sends a password session to the login, the tokens carry the new level', async () => {
    const tv = await registerClient(server, {
      name: 'Living Room TV',
      grantTypes: [DEVICE_CODE_GRANT],
      tokenEndpointAuthMethod: 'none',
      scopes: ['openid', 'payments:write'],
    });
    const started = await postForm(
      server,
      { client_id: tv.clientId, scope: 'openid payments:write' },
      {},
      OAUTH_PATHS.deviceAuthorization,
    );
    expect(started.status).toBe(200);
    const browser = new LeveledBrowser(server, 'user-alice');
    browser.authTime = nowSeconds() - 60;
    const entered = await browser.post(OAUTH_PATHS.deviceVerification, {
      user_code: started.body.user_code,
    });
    const login = loginLocation(entered, server);
    expect(login.searchParams.get('acr_values')).toBe('substantial');
    browser.acr = 'substantial';
    browser.authTime = nowSeconds() + 1;
    const consent = await browser.get(login.searchParams.get('return_to')!);
    expect(isConsentPage(consent)).toBe(true);
    await decide(browser, consentForm(consent), 'allow');
    const tokens = await postForm(server, {
      grant_type: DEVICE_CODE_GRANT,
      device_code: started.body.device_code,
      client_id: tv.clientId,
    });
    expect(tokens.status).toBe(200);
    expect(decodeJwt(tokens.body.id_token)).toMatchObject({
      acr: 'substantial',
      amr: ['pwd', 'otp'],
      auth_time: browser.authTime,
    });
    expect(decodeJwt(tokens.body.access_token)).toMatchObject({ acr: 'substantial' });
  });

  it('the password grant carries no level: scopes that need one are refused there', async () => {
    const app = await registerClient(server, {
      name: 'Our own mobile app',
      grantTypes: ['password'],
      scopes: ['accounts:read', 'payments:write'],
      firstParty: true,
    });
    const signIn = (scope: string) =>
      postForm(
        server,
        { grant_type: 'password', username: 'alice', password: 'alice-password', scope },
        basicHeaders(app),
      );
    const payments = await signIn('payments:write');
    expect(payments.status).toBe(400);
    expect(payments.body).toMatchObject({ error: 'invalid_grant' });
    expect((await signIn('accounts:read')).status).toBe(200);
  });

  describe('authorization details types with a level (acr.authorizationDetailsTypes)', () => {
    const TRANSFER = JSON.stringify([{ type: 'transfer' }]);

    it('asks the login for the level of the requested details', async () => {
      const browser = new LeveledBrowser(server, 'user-alice');
      browser.acr = 'substantial';
      const request = codeRequest({
        client,
        scope: 'payments:write',
        extra: { authorization_details: TRANSFER },
      });
      const login = loginLocation(await browser.authorize(request.params), server);
      expect(login.searchParams.get('acr_values')).toBe('high');
    });

    it('never exchanges a code for such details from a weaker sign-in', async () => {
      await expect(
        seedCodeAndExchange(server, client, {
          scopes: ['accounts:read'],
          authorizationDetails: [{ type: 'transfer' }] as never,
          acr: 'substantial',
        }),
      ).rejects.toThrow(/code exchange failed: 400 .*"error":"invalid_grant"/);
      const tokens = await seedCodeAndExchange(server, client, {
        scopes: ['accounts:read'],
        authorizationDetails: [{ type: 'transfer' }] as never,
        acr: 'high',
      });
      expect(decodeJwt(tokens.access_token)).toMatchObject({
        acr: 'high',
        authorization_details: [{ type: 'transfer' }],
      });
    });

    it('refuses them to a client for itself: client credentials have no sign-in', async () => {
      const service = await registerServiceClient(server);
      const call = await postForm(
        server,
        { grant_type: 'client_credentials', authorization_details: TRANSFER },
        basicHeaders(service),
      );
      expect(call.status).toBe(400);
      expect(call.body).toMatchObject({
        error: 'invalid_authorization_details',
        error_description: expect.stringContaining('level high'),
      });
    });
  });

  describe('tokens', () => {
    it('introspection tells acr, amr and auth_time', async () => {
      const browser = new LeveledBrowser(server, 'user-alice');
      browser.acr = 'substantial';
      const tokens = await tokensFor(browser, 'payments:write');
      const call = await postForm(
        server,
        { token: tokens.access_token },
        basicHeaders(client),
        OAUTH_PATHS.introspection,
      );
      expect(call.body).toMatchObject({
        active: true,
        acr: 'substantial',
        amr: ['pwd', 'otp'],
        auth_time: expect.any(Number),
      });
    });

    it('a refresh carries the sign-in as it was (never raises it)', async () => {
      const authTime = nowSeconds() - 300;
      const tokens = await seedCodeAndExchange(server, client, {
        scopes: ['accounts:read', 'payments:write', 'offline_access'],
        acr: 'substantial',
        amr: ['pwd', 'otp'],
        authTime,
      });
      const refreshed = await refresh(server, client, tokens.refresh_token);
      expect(refreshed.status).toBe(200);
      expect(decodeJwt(refreshed.body.access_token)).toMatchObject({
        acr: 'substantial',
        amr: ['pwd', 'otp'],
        auth_time: authTime,
      });
    });

    it('refuses to exchange a code approved below the level its scopes need', async () => {
      await expect(
        seedCodeAndExchange(server, client, { scopes: ['payments:write'], acr: 'low' }),
      ).rejects.toThrow(/400.*invalid_grant/);
    });
  });

  describe('the guard (RFC 9470)', () => {
    const challenge = (description: string, params: string) =>
      `Bearer realm="${server.url}", error="insufficient_user_authentication", ` +
      `error_description="${description}", ${params}`;

    async function tokenAt(acr: string, scopes: string[]) {
      return (
        await OAuthTesting.issueToken(server.app, {
          user: 'user-alice',
          client: client.clientId,
          scopes,
          acr,
        })
      ).accessToken;
    }

    it('refuses a lower-level token at a route whose scopes need more: 401 with acr_values', async () => {
      const response = await get(
        server,
        '/bank/payments',
        await tokenAt('low', ['payments:write']),
      );
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe(
        challenge(
          'This route needs a sign-in at level substantial or higher.',
          'acr_values="substantial"',
        ),
      );
      expect(await response.json()).toEqual({
        error: 'insufficient_user_authentication',
        error_description: 'This route needs a sign-in at level substantial or higher.',
      });
    });

    it('admits through @AnyScope the scope that needs no level', async () => {
      const token = await tokenAt('low', ['payments:write', 'accounts:read']);
      expect((await get(server, '/bank/either', token)).status).toBe(200);
      const paymentsOnly = await tokenAt('low', ['payments:write']);
      expect((await get(server, '/bank/either', paymentsOnly)).status).toBe(401);
    });

    it('@RequireAcr: a stronger level than the scopes need', async () => {
      const substantial = await tokenAt('substantial', ['accounts:read']);
      const refused = await get(server, '/bank/vault', substantial);
      expect(refused.status).toBe(401);
      expect(refused.headers.get('www-authenticate')).toBe(
        challenge('This route needs a sign-in at level high or higher.', 'acr_values="high"'),
      );
      expect(
        (await get(server, '/bank/vault', await tokenAt('high', ['accounts:read']))).status,
      ).toBe(200);
    });

    it('@RequireAcr with maxAge: an old sign-in gets max_age in the challenge', async () => {
      const old = await seedCodeAndExchange(server, client, {
        scopes: ['accounts:read'],
        acr: 'low',
        authTime: nowSeconds() - 3600,
      });
      const refused = await get(server, '/bank/recent', old.access_token);
      expect(refused.status).toBe(401);
      expect(refused.headers.get('www-authenticate')).toBe(
        challenge(
          'This route needs a sign-in at most 60 seconds old.',
          'acr_values="low", max_age="60"',
        ),
      );
      const fresh = await seedCodeAndExchange(server, client, {
        scopes: ['accounts:read'],
        acr: 'low',
      });
      expect((await get(server, '/bank/recent', fresh.access_token)).status).toBe(200);
    });

    it("refuses a client's own token at @RequireAcr", async () => {
      const service = await registerServiceClient(server, { scopes: ['accounts:read'] });
      const { accessToken } = await OAuthTesting.issueToken(server.app, {
        client: service.clientId,
        scopes: ['accounts:read'],
      });
      const refused = await get(server, '/bank/vault', accessToken);
      expect(refused.status).toBe(401);
      expect(refused.headers.get('www-authenticate')).toMatch(
        /error="insufficient_user_authentication".*acr_values="high"$/,
      );
      // A route that needs no level still takes it.
      expect((await get(server, '/bank/accounts', accessToken)).status).toBe(200);
    });
  });
});

describeOn('sqlite')('levels named by host routes (%s)', (target) => {
  @Controller('vault')
  @UseGuards(OAuthGuard)
  class MisspeltLevelController {
    @Get()
    @RequireAcr('substantail')
    open() {
      return {};
    }
  }

  it('a @RequireAcr naming an undeclared level stops start-up, naming the route', async () => {
    await expect(
      startTestApp(target, { acr: { levels: LEVELS } }, { controllers: [MisspeltLevelController] }),
    ).rejects.toThrow(
      'OAuthModule option "acr.levels" has no level "substantail", required by @RequireAcr on MisspeltLevelController.open: did you mean "substantial"?',
    );
  });
});
