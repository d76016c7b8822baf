// The authorization code flow end to end: sign-in redirect, consent page, Allow / Deny, browser
// binding and CSRF, remembered consent, prompt / max_age, code exchange (single use, PKCE,
// redirect URI and client binding), refresh token policy, id_token and userinfo.
import { createHash } from 'node:crypto';
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { ClientService, OAUTH_PATHS } from '../../src';
import {
  callbackParams,
  codeRequest,
  consentForm,
  decide,
  exchangeCode,
  expectErrorPage,
  expectLoginRedirect,
  expectRedirectError,
  isConsentPage,
  nowSeconds,
  obtainCode,
  openConsent,
  REDIRECT_URI,
  TestBrowser,
  timedResourceOwner,
} from '../support/authorize-helpers';
import { TEST_TARGETS } from '../support/targets';
import { startTestApp, TestApp } from '../support/test-app';
import {
  pkcePair,
  queryRows,
  refresh,
  registerCodeClient,
  sha256,
  sleep,
  TestClient,
  TokenCall,
} from '../support/token-helpers';

const ALL_SCOPES = [
  'openid',
  'profile',
  'email',
  'offline_access',
  'accounts:read',
  'payments:write',
];
const OTHER_URI = 'https://app.example/other-cb';

function expectTokenError(call: TokenCall, error: string): void {
  expect({ status: call.status, error: call.body?.error }).toEqual({ status: 400, error });
}

function expectTokens(call: TokenCall): void {
  expect({ status: call.status, error: call.body?.error }).toEqual({
    status: 200,
    error: undefined,
  });
  expect(call.body.access_token).toEqual(expect.any(String));
}

function userinfo(
  server: TestApp,
  accessToken: string | undefined,
  method: 'GET' | 'POST' = 'GET',
): Promise<Response> {
  return fetch(`${server.url}${OAUTH_PATHS.userinfo}`, {
    method,
    headers: accessToken ? { authorization: `Bearer ${accessToken}` } : {},
  });
}

/** Waits until the wall clock is in a later second than `second`. */
async function untilAfterSecond(second: number): Promise<void> {
  while (nowSeconds() <= second) await sleep(50);
}

describe.each(TEST_TARGETS)('authorization code flow (%s)', (target) => {
  let server: TestApp;
  let client: TestClient;

  beforeAll(async () => {
    server = await startTestApp(target, { resourceOwner: timedResourceOwner });
    client = await registerCodeClient(server, {
      name: 'Budget Buddy',
      website: 'https://budget.example',
      scopes: ALL_SCOPES,
    });
  });
  afterAll(() => server.close());

  /** A client of its own, so that remembered consent of other tests does not interfere. */
  const freshClient = (registration: Parameters<typeof registerCodeClient>[1] = {}) =>
    registerCodeClient(server, { name: 'Fresh app', scopes: ALL_SCOPES, ...registration });

  describe('sign-in and consent', () => {
    it('not signed in -> 303 to the login URL with return_to and a binding cookie', async () => {
      const browser = new TestBrowser(server);
      const page = await browser.authorize(codeRequest({ client }).params);
      const returnTo = expectLoginRedirect(page, server);
      const cookie = page.headers.getSetCookie().find((c) => c.startsWith('oauth_binding='));
      expect(cookie).toMatch(/^oauth_binding=[A-Za-z0-9_-]{43}; /);
      expect(cookie).toMatch(/; HttpOnly/);
      expect(cookie).toMatch(/; SameSite=Lax/);
      expect(cookie).toMatch(/; Path=\//);
      // The interaction is stored server-side: its id is not the binding value.
      expect(returnTo).not.toContain(browser.bindingCookie);
    });

    it('login_hint is passed on to the login page', async () => {
      const page = await new TestBrowser(server).authorize(
        codeRequest({ client, extra: { login_hint: 'alice@example.com' } }).params,
      );
      expectLoginRedirect(page, server);
      expect(new URL(page.location!).searchParams.get('login_hint')).toBe('alice@example.com');
    });

    it('after sign-in the consent page lists the client name, website and each scope description; Allow -> code, state, iss', async () => {
      const browser = new TestBrowser(server);
      const { params, verifier } = codeRequest({
        client,
        scope: 'openid accounts:read payments:write',
        state: 'xyz',
      });
      const returnTo = expectLoginRedirect(await browser.authorize(params), server);

      browser.user = 'user-alice'; // the host's sign-in page did its job
      const page = await browser.get(returnTo);
      expect(isConsentPage(page)).toBe(true);
      expect(page.text).toContain('Budget Buddy');
      expect(page.text).toContain('https://budget.example');
      for (const description of [
        'Sign you in',
        'Read your account information',
        'Initiate payments',
      ]) {
        expect(page.text).toContain(description);
      }
      expect(page.text).not.toContain('Your email address'); // not asked for
      expect(page.text).toContain('alice');

      const decision = await decide(browser, consentForm(page), 'allow');
      const callback = callbackParams(decision);
      expect(callback.get('code')).toMatch(/^[A-Za-z0-9_-]{32,}$/);
      expect(callback.get('state')).toBe('xyz');
      expect(callback.get('iss')).toBe(server.url);
      expect(callback.has('error')).toBe(false);
      expect(decision.headers.get('cache-control')).toBe('no-store');
      expect(decision.headers.get('referrer-policy')).toBe('no-referrer');

      const tokens = await exchangeCode(server, client, {
        code: callback.get('code')!,
        code_verifier: verifier,
        redirect_uri: REDIRECT_URI,
      });
      expectTokens(tokens);
      expect(tokens.body.scope).toBe('openid accounts:read payments:write');
    });

    it('Deny -> access_denied with state and iss, and nothing is remembered', async () => {
      const fresh = await freshClient();
      const browser = new TestBrowser(server, 'user-alice');
      const { form } = await openConsent(browser, codeRequest({ client: fresh }).params);
      const page = await decide(browser, form, 'deny');
      expectRedirectError(page, server, 'access_denied');
      // Denial is not remembered as consent: the next request asks again.
      expect(isConsentPage(await browser.authorize(codeRequest({ client: fresh }).params))).toBe(
        true,
      );
    });

    it.each([
      ['a wrong csrf_token', 'wrong'],
      ['an empty csrf_token', ''],
      ['no csrf_token', undefined],
    ])(
      '%s -> error page, no redirect; the right token still works afterwards',
      async (_, token) => {
        const browser = new TestBrowser(server, 'user-alice');
        const { form } = await openConsent(
          browser,
          codeRequest({ client: await freshClient() }).params,
        );
        const fields: Record<string, string> = { decision: 'allow' };
        if (token !== undefined) fields.csrf_token = token;
        expectErrorPage(await browser.post(form.action, fields));
        callbackParams(await decide(browser, form, 'allow'));
      },
    );

    it('the CSRF token of one interaction does not work for another', async () => {
      const browser = new TestBrowser(server, 'user-alice');
      const fresh = await freshClient();
      const first = await openConsent(browser, codeRequest({ client: fresh }).params);
      const second = await openConsent(browser, codeRequest({ client: fresh }).params);
      expectErrorPage(
        await browser.post(second.form.action, {
          csrf_token: first.form.csrfToken,
          decision: 'allow',
        }),
      );
    });

    it('the interaction in another browser (no binding cookie, or its own) -> error page', async () => {
      const browser = new TestBrowser(server, 'user-alice');
      const { form } = await openConsent(
        browser,
        codeRequest({ client: await freshClient() }).params,
      );

      const noCookie = new TestBrowser(server, 'user-alice');
      expectErrorPage(await noCookie.get(form.action));
      expectErrorPage(await decide(noCookie, form, 'allow'));

      const otherBrowser = new TestBrowser(server, 'user-alice');
      // Its own request (consent asked again) gives it a binding cookie of its own.
      expect(
        isConsentPage(
          await otherBrowser.authorize(
            codeRequest({ client, extra: { prompt: 'consent' } }).params,
          ),
        ),
      ).toBe(true);
      expect(otherBrowser.bindingCookie).toBeDefined();
      expect(otherBrowser.bindingCookie).not.toBe(browser.bindingCookie);
      expectErrorPage(await otherBrowser.get(form.action));
      expectErrorPage(await decide(otherBrowser, form, 'allow'));

      // The right browser is not affected.
      callbackParams(await decide(browser, form, 'allow'));
    });

    it('the interaction started anonymously continues only in the browser that started it', async () => {
      const browser = new TestBrowser(server);
      const returnTo = expectLoginRedirect(
        await browser.authorize(codeRequest({ client }).params),
        server,
      );
      const attacker = new TestBrowser(server, 'user-bob');
      expectErrorPage(await attacker.get(returnTo));
    });

    it('an interaction is used once: a second decision fails, so does reopening it', async () => {
      const browser = new TestBrowser(server, 'user-alice');
      const { form } = await openConsent(
        browser,
        codeRequest({ client: await freshClient() }).params,
      );
      callbackParams(await decide(browser, form, 'allow'));
      expectErrorPage(await decide(browser, form, 'allow'));
      expectErrorPage(await decide(browser, form, 'deny'));
      expectErrorPage(await browser.get(form.action));
    });

    it('Deny then Allow on the same interaction: the second fails', async () => {
      const browser = new TestBrowser(server, 'user-alice');
      const { form } = await openConsent(
        browser,
        codeRequest({ client: await freshClient() }).params,
      );
      expectRedirectError(await decide(browser, form, 'deny'), server, 'access_denied');
      expectErrorPage(await decide(browser, form, 'allow'));
    });

    it('a different user signed in between consent and decision is refused', async () => {
      const browser = new TestBrowser(server, 'user-alice');
      const { form } = await openConsent(
        browser,
        codeRequest({ client: await freshClient() }).params,
      );
      browser.user = 'user-bob';
      expectErrorPage(await decide(browser, form, 'allow'));
      browser.user = undefined;
      expectErrorPage(await decide(browser, form, 'allow'));
    });

    it('remembered consent: the second request skips the page; prompt=consent forces it', async () => {
      const fresh = await freshClient();
      const browser = new TestBrowser(server, 'user-alice');
      const { form } = await openConsent(
        browser,
        codeRequest({ client: fresh, scope: 'openid accounts:read' }).params,
      );
      callbackParams(await decide(browser, form, 'allow'));

      // Same scopes, or fewer: straight back with a code.
      for (const scope of ['openid accounts:read', 'accounts:read']) {
        const again = await browser.authorize(codeRequest({ client: fresh, scope }).params);
        expect(callbackParams(again).get('code')).toBeTruthy();
      }
      // In another browser too: consent belongs to the user, not the browser.
      const elsewhere = await new TestBrowser(server, 'user-alice').authorize(
        codeRequest({ client: fresh, scope: 'accounts:read' }).params,
      );
      expect(callbackParams(elsewhere).get('code')).toBeTruthy();

      // prompt=consent asks again.
      expect(
        isConsentPage(
          await browser.authorize(
            codeRequest({ client: fresh, scope: 'accounts:read', extra: { prompt: 'consent' } })
              .params,
          ),
        ),
      ).toBe(true);
      // More scopes than granted: asks again.
      expect(
        isConsentPage(
          await browser.authorize(
            codeRequest({ client: fresh, scope: 'accounts:read payments:write' }).params,
          ),
        ),
      ).toBe(true);
      // Another user has not consented.
      expect(
        isConsentPage(
          await new TestBrowser(server, 'user-bob').authorize(
            codeRequest({ client: fresh, scope: 'accounts:read' }).params,
          ),
        ),
      ).toBe(true);
    });

    it('prompt=none with no session -> login_required (state, iss)', async () => {
      const page = await new TestBrowser(server).authorize(
        codeRequest({ client, extra: { prompt: 'none' } }).params,
      );
      expectRedirectError(page, server, 'login_required');
    });

    it('prompt=none signed in without consent -> consent_required; with consent -> a code', async () => {
      const fresh = await freshClient();
      const browser = new TestBrowser(server, 'user-alice');
      const none = codeRequest({ client: fresh, extra: { prompt: 'none' } }).params;
      expectRedirectError(await browser.authorize(none), server, 'consent_required');

      const { form } = await openConsent(browser, codeRequest({ client: fresh }).params);
      callbackParams(await decide(browser, form, 'allow'));
      expect(
        callbackParams(
          await browser.authorize(codeRequest({ client: fresh, extra: { prompt: 'none' } }).params),
        ).get('code'),
      ).toBeTruthy();
    });

    it('prompt=login with a session -> redirect to login; a sign-in after the request continues', async () => {
      const browser = new TestBrowser(server, 'user-alice');
      browser.authTime = nowSeconds() - 5;
      const page = await browser.authorize(
        codeRequest({ client, extra: { prompt: 'login' } }).params,
      );
      const returnTo = expectLoginRedirect(page, server);
      expect(new URL(page.location!).searchParams.get('prompt')).toBe('login');

      // Coming back with the old sign-in: sent to sign in again.
      expectLoginRedirect(await browser.get(returnTo), server);
      // Signed in again just now: goes on.
      browser.authTime = nowSeconds();
      const next = await browser.get(returnTo);
      expect(next.status === 200 ? isConsentPage(next) : callbackParams(next).has('code')).toBe(
        true,
      );
    });

    it('max_age=0 forces sign-in when the session is older; a sign-in made for this request is accepted', async () => {
      const fresh = await freshClient();
      const browser = new TestBrowser(server, 'user-alice');
      browser.authTime = nowSeconds() - 10;
      const returnTo = expectLoginRedirect(
        await browser.authorize(codeRequest({ client: fresh, extra: { max_age: '0' } }).params),
        server,
      );

      // The user signs in (this second), and comes back a moment later, possibly in the next second.
      browser.authTime = nowSeconds();
      await untilAfterSecond(browser.authTime);
      expect(isConsentPage(await browser.get(returnTo))).toBe(true);
    });

    it('max_age: a recent enough session goes on, an older one signs in again', async () => {
      const browser = new TestBrowser(server, 'user-alice');
      browser.authTime = nowSeconds() - 10;
      expectLoginRedirect(
        await browser.authorize(codeRequest({ client, extra: { max_age: '5' } }).params),
        server,
      );
      const page = await browser.authorize(
        codeRequest({ client: await freshClient(), extra: { max_age: '60' } }).params,
      );
      expect(isConsentPage(page)).toBe(true);
    });

    it('max_age with prompt=none and an old session -> login_required', async () => {
      const browser = new TestBrowser(server, 'user-alice');
      browser.authTime = nowSeconds() - 100;
      const page = await browser.authorize(
        codeRequest({ client, extra: { max_age: '10', prompt: 'none' } }).params,
      );
      expectRedirectError(page, server, 'login_required');
    });

    it('a firstParty client skips the consent page', async () => {
      const firstParty = await freshClient({ name: 'Our own app', firstParty: true });
      const page = await new TestBrowser(server, 'user-bob').authorize(
        codeRequest({ client: firstParty }).params,
      );
      const callback = callbackParams(page);
      expect(callback.get('code')).toBeTruthy();
      expect(callback.get('iss')).toBe(server.url);
      // ... but prompt=consent still shows it.
      const forced = await new TestBrowser(server, 'user-bob').authorize(
        codeRequest({ client: firstParty, extra: { prompt: 'consent' } }).params,
      );
      expect(isConsentPage(forced)).toBe(true);
    });
  });

  describe('session fixation: the binding is renewed at sign-in', () => {
    /** Starts a request signed out and comes back signed in, as after the host's login page. */
    async function signInMidway() {
      // A client of its own: no consent remembered from other tests.
      const app = await freshClient();
      const browser = new TestBrowser(server);
      const { params, verifier } = codeRequest({ client: app, scope: 'openid accounts:read' });
      const returnTo = expectLoginRedirect(await browser.authorize(params), server);
      const before = browser.bindingCookie!;
      browser.user = 'user-alice';
      const page = await browser.get(returnTo);
      return { app, browser, before, page, returnTo, verifier };
    }

    it('sets a new binding cookie when the user comes back signed in', async () => {
      const { browser, before, page } = await signInMidway();
      expect(isConsentPage(page)).toBe(true);
      const renewed = page.headers.getSetCookie().find((c) => c.startsWith('oauth_binding='));
      expect(renewed).toMatch(/^oauth_binding=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Lax$/);
      expect(browser.bindingCookie).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(browser.bindingCookie).not.toBe(before);
      // The interaction row now keeps the hash of the new value only.
      const id = /interaction\/([A-Za-z0-9_-]+)/.exec(consentForm(page).action)![1];
      const [row] = await queryRows(
        server,
        'SELECT browser_binding_hash AS hash FROM oauth_interactions WHERE id = ?',
        [id],
      );
      expect(row.hash).toBe(sha256(browser.bindingCookie!));
    });

    it('the value seen before sign-in no longer continues the interaction or decides it', async () => {
      const { page, before, returnTo } = await signInMidway();
      const form = consentForm(page);
      const fixated = new TestBrowser(server, 'user-alice');
      fixated.cookies.set('oauth_binding', before);
      expectErrorPage(await fixated.get(returnTo));
      // Nor does a CSRF token derived from the old value (or the page's own) work with it.
      const decision = await decide(fixated, form, 'allow');
      expect(decision.location ?? '').not.toMatch(/[?&]code=/);
      expect(decision.status).toBeGreaterThanOrEqual(400);
    });

    it('the browser holding the new value completes the code flow', async () => {
      const { app, browser, page, verifier } = await signInMidway();
      const form = consentForm(page);
      // The CSRF token derives from the new binding.
      const id = /interaction\/([A-Za-z0-9_-]+)/.exec(form.action)![1];
      expect(form.csrfToken).toBe(
        createHash('sha256').update(`csrf:${browser.bindingCookie}:${id}`).digest('base64url'),
      );
      const callback = callbackParams(await decide(browser, form, 'allow'));
      expectTokens(
        await exchangeCode(server, app, {
          code: callback.get('code')!,
          code_verifier: verifier,
          redirect_uri: REDIRECT_URI,
        }),
      );
    });

    it('a second visit of the same return_to after sign-in renews again and still works', async () => {
      const { browser, returnTo } = await signInMidway();
      const first = browser.bindingCookie;
      const again = await browser.get(returnTo);
      expect(isConsentPage(again)).toBe(true);
      expect(browser.bindingCookie).not.toBe(first);
    });
  });

  describe('code exchange', () => {
    it('codes are stored hashed, with a 60 s lifetime', async () => {
      const { code } = await obtainCode(server, { client });
      const rows = await queryRows(
        server,
        'SELECT * FROM oauth_authorization_codes WHERE code_hash = ?',
        [sha256(code)],
      );
      expect(rows).toHaveLength(1);
      expect(Number(rows[0].expires_at) - Number(rows[0].created_at)).toBe(60_000);
      const everything = JSON.stringify(
        await queryRows(server, 'SELECT * FROM oauth_authorization_codes'),
      );
      expect(everything).not.toContain(code);
    });

    it('a wrong verifier -> invalid_grant, and the code is burnt (the right verifier fails too)', async () => {
      const { code, verifier } = await obtainCode(server, { client });
      expectTokenError(
        await exchangeCode(server, client, {
          code,
          code_verifier: pkcePair().verifier,
          redirect_uri: REDIRECT_URI,
        }),
        'invalid_grant',
      );
      expectTokenError(
        await exchangeCode(server, client, {
          code,
          code_verifier: verifier,
          redirect_uri: REDIRECT_URI,
        }),
        'invalid_grant',
      );
    });

    it('a malformed verifier -> invalid_grant', async () => {
      const { code } = await obtainCode(server, { client });
      expectTokenError(
        await exchangeCode(server, client, {
          code,
          code_verifier: 'short',
          redirect_uri: REDIRECT_URI,
        }),
        'invalid_grant',
      );
    });

    it('code replay -> invalid_grant, and the tokens of the first exchange are revoked', async () => {
      const { code, verifier } = await obtainCode(server, {
        client,
        scope: 'openid offline_access accounts:read',
      });
      const first = await exchangeCode(server, client, {
        code,
        code_verifier: verifier,
        redirect_uri: REDIRECT_URI,
      });
      expectTokens(first);
      expect((await userinfo(server, first.body.access_token)).status).toBe(200);

      expectTokenError(
        await exchangeCode(server, client, {
          code,
          code_verifier: verifier,
          redirect_uri: REDIRECT_URI,
        }),
        'invalid_grant',
      );

      const rows = await queryRows(server, 'SELECT revoked_at FROM oauth_tokens WHERE id = ?', [
        decodeJwt(first.body.access_token).jti,
      ]);
      expect(rows).toHaveLength(1);
      expect(rows[0].revoked_at).not.toBeNull();
      expect((await userinfo(server, first.body.access_token)).status).toBe(401);
      expectTokenError(await refresh(server, client, first.body.refresh_token), 'invalid_grant');
    });

    it("concurrent replay: one exchange wins, the other gets invalid_grant, and the winner's tokens end up revoked", async () => {
      for (let round = 0; round < 5; round++) {
        const { code, verifier } = await obtainCode(server, { client });
        const calls = await Promise.all(
          [0, 1].map(() =>
            exchangeCode(server, client, {
              code,
              code_verifier: verifier,
              redirect_uri: REDIRECT_URI,
            }),
          ),
        );
        const winners = calls.filter((call) => call.status === 200);
        expect(winners).toHaveLength(1);
        expectTokenError(
          calls.find((call) => call.status !== 200)!,
          'invalid_grant',
        );
        const rows = await queryRows(server, 'SELECT revoked_at FROM oauth_tokens WHERE id = ?', [
          decodeJwt(winners[0].body.access_token).jti,
        ]);
        expect(rows[0].revoked_at).not.toBeNull();
      }
    });

    it('a wrong redirect_uri -> invalid_grant', async () => {
      const fresh = await freshClient({ redirectUris: [REDIRECT_URI, OTHER_URI] });
      const { code, verifier } = await obtainCode(server, { client: fresh });
      expectTokenError(
        await exchangeCode(server, fresh, {
          code,
          code_verifier: verifier,
          redirect_uri: OTHER_URI,
        }),
        'invalid_grant',
      );
    });

    it('an omitted redirect_uri is refused once the client no longer has that one URI', async () => {
      const fresh = await freshClient({ redirectUris: [REDIRECT_URI] });
      const { code, verifier } = await obtainCode(server, { client: fresh });
      await server.app.get(ClientService).update(fresh.clientId, {
        name: 'Moved',
        grantTypes: ['authorization_code', 'refresh_token'],
        redirectUris: [OTHER_URI],
      });
      expectTokenError(
        await exchangeCode(server, fresh, { code, code_verifier: verifier }),
        'invalid_request',
      );
    });

    it('a redirect_uri differing in a trailing slash -> invalid_grant', async () => {
      const { code, verifier } = await obtainCode(server, { client });
      expectTokenError(
        await exchangeCode(server, client, {
          code,
          code_verifier: verifier,
          redirect_uri: `${REDIRECT_URI}/`,
        }),
        'invalid_grant',
      );
    });

    it('the code of client A used by client B -> invalid_grant', async () => {
      const clientB = await freshClient({ name: 'Client B' });
      const { code, verifier } = await obtainCode(server, { client });
      expectTokenError(
        await exchangeCode(server, clientB, {
          code,
          code_verifier: verifier,
          redirect_uri: REDIRECT_URI,
        }),
        'invalid_grant',
      );
    });

    it('the code of a confidential client used by a public client -> invalid_grant', async () => {
      const spa = await freshClient({
        name: 'SPA',
        tokenEndpointAuthMethod: 'none',
        grantTypes: ['authorization_code'],
      });
      const { code, verifier } = await obtainCode(server, { client });
      expectTokenError(
        await exchangeCode(server, spa, {
          code,
          code_verifier: verifier,
          redirect_uri: REDIRECT_URI,
        }),
        'invalid_grant',
      );
    });

    it('PKCE downgrade: a code issued with a challenge, exchanged without a verifier -> invalid_grant', async () => {
      const { code } = await obtainCode(server, { client });
      expectTokenError(
        await exchangeCode(server, client, { code, redirect_uri: REDIRECT_URI }),
        'invalid_grant',
      );
    });

    it('a public client exchanges its code with the verifier and no secret', async () => {
      const spa = await freshClient({
        name: 'SPA',
        tokenEndpointAuthMethod: 'none',
        grantTypes: ['authorization_code'],
      });
      const { code, verifier } = await obtainCode(server, { client: spa });
      const call = await exchangeCode(server, spa, {
        code,
        code_verifier: verifier,
        redirect_uri: REDIRECT_URI,
      });
      expectTokens(call);
      expect(call.body.refresh_token).toBeUndefined();
    });
  });

  describe('refresh tokens', () => {
    it.each([
      ['plain OAuth scopes', 'accounts:read', true],
      ['openid without offline_access', 'openid accounts:read', false],
      ['openid with offline_access', 'openid offline_access accounts:read', true],
    ])(
      'a client with the refresh_token grant, %s -> refresh token: %s',
      async (_, scope, expected) => {
        const { code, verifier } = await obtainCode(server, { client, scope });
        const call = await exchangeCode(server, client, {
          code,
          code_verifier: verifier,
          redirect_uri: REDIRECT_URI,
        });
        expectTokens(call);
        expect(typeof call.body.refresh_token === 'string').toBe(expected);
        if (expected)
          expect((await refresh(server, client, call.body.refresh_token)).status).toBe(200);
      },
    );

    it('a client without the refresh_token grant gets none', async () => {
      const fresh = await freshClient({ grantTypes: ['authorization_code'] });
      const { code, verifier } = await obtainCode(server, {
        client: fresh,
        scope: 'openid offline_access accounts:read',
      });
      const call = await exchangeCode(server, fresh, {
        code,
        code_verifier: verifier,
        redirect_uri: REDIRECT_URI,
      });
      expectTokens(call);
      expect(call.body.refresh_token).toBeUndefined();
    });
  });

  describe('OpenID Connect', () => {
    const jwks = () => createRemoteJWKSet(new URL(`${server.url}${OAUTH_PATHS.jwks}`));

    async function tokensFor(scope: string, nonce?: string, user = 'user-alice') {
      const { code, verifier } = await obtainCode(
        server,
        { client, scope, nonce },
        new TestBrowser(server, user),
      );
      const call = await exchangeCode(server, client, {
        code,
        code_verifier: verifier,
        redirect_uri: REDIRECT_URI,
      });
      expectTokens(call);
      return call.body;
    }

    it('the id_token is RS256-signed by a key of /oauth/jwks with iss, aud, sub, nonce, at_hash and auth_time', async () => {
      const before = nowSeconds();
      const tokens = await tokensFor('openid profile', 'nonce-abc');
      expect(tokens.id_token).toEqual(expect.any(String));
      const header = decodeProtectedHeader(tokens.id_token);
      expect(header).toMatchObject({ alg: 'RS256', kid: expect.any(String) });
      const { payload } = await jwtVerify(tokens.id_token, jwks(), {
        issuer: server.url,
        audience: client.clientId,
        algorithms: ['RS256'],
      });
      expect(payload.sub).toBe('user-alice');
      expect(payload.nonce).toBe('nonce-abc');
      const digest = createHash('sha256').update(tokens.access_token).digest();
      expect(payload.at_hash).toBe(digest.subarray(0, 16).toString('base64url'));
      expect(payload.auth_time).toEqual(expect.any(Number));
      expect(payload.auth_time as number).toBeGreaterThanOrEqual(before - 1);
      expect(payload.auth_time as number).toBeLessThanOrEqual(nowSeconds());
      expect(payload.exp! - payload.iat!).toBe(3600);
    });

    it('the id_token carries the user of the flow and no nonce when none was sent', async () => {
      const tokens = await tokensFor('openid', undefined, 'user-bob');
      const { payload } = await jwtVerify(tokens.id_token, jwks(), {
        issuer: server.url,
        audience: client.clientId,
      });
      expect(payload.sub).toBe('user-bob');
      expect(payload).not.toHaveProperty('nonce');
    });

    it('no openid scope -> no id_token', async () => {
      const tokens = await tokensFor('accounts:read');
      expect(tokens.id_token).toBeUndefined();
    });

    it('userinfo GET and POST: sub plus the claims of the scopes', async () => {
      const tokens = await tokensFor('openid profile email');
      for (const method of ['GET', 'POST'] as const) {
        const response = await userinfo(server, tokens.access_token, method);
        expect(response.status).toBe(200);
        expect(response.headers.get('cache-control')).toBe('no-store');
        expect(await response.json()).toEqual({
          sub: 'user-alice',
          name: 'Alice Liddell',
          email: 'alice@example.com',
          email_verified: true,
        });
      }
    });

    it('userinfo: profile without email gives the name only; openid alone gives sub only', async () => {
      const profile = await tokensFor('openid profile');
      expect(await (await userinfo(server, profile.access_token)).json()).toEqual({
        sub: 'user-alice',
        name: 'Alice Liddell',
      });
      const email = await tokensFor('openid email');
      expect(await (await userinfo(server, email.access_token)).json()).toEqual({
        sub: 'user-alice',
        email: 'alice@example.com',
        email_verified: true,
      });
      const bare = await tokensFor('openid');
      expect(await (await userinfo(server, bare.access_token)).json()).toEqual({
        sub: 'user-alice',
      });
    });

    it('userinfo with a token without openid -> 403 insufficient_scope', async () => {
      const tokens = await tokensFor('accounts:read profile');
      const response = await userinfo(server, tokens.access_token);
      expect(response.status).toBe(403);
      expect(response.headers.get('www-authenticate')).toMatch(
        /^Bearer .*error="insufficient_scope"/,
      );
      expect((await response.json()).error).toBe('insufficient_scope');
    });

    it('userinfo without a token -> 401 with a Bearer challenge; a bad token -> 401 invalid_token', async () => {
      const none = await userinfo(server, undefined);
      expect(none.status).toBe(401);
      expect(none.headers.get('www-authenticate')).toMatch(/^Bearer\b/);
      const bad = await userinfo(server, 'not-a-real-token');
      expect(bad.status).toBe(401);
      expect(bad.headers.get('www-authenticate')).toMatch(/^Bearer .*error="invalid_token"/);
    });
  });
});

describe.each(TEST_TARGETS)('authorization code flow with short lifetimes (%s)', (target) => {
  let server: TestApp;
  let client: TestClient;
  beforeAll(async () => {
    server = await startTestApp(target, {
      interaction: { loginUrl: '/login', ttl: 1 },
      authorizationCodeTtl: 1,
    });
    client = await registerCodeClient(server);
  });
  afterAll(() => server.close());

  it('an expired interaction cannot be continued or decided', async () => {
    const browser = new TestBrowser(server, 'user-alice');
    const { form } = await openConsent(browser, codeRequest({ client }).params);
    await sleep(1_100);
    expectErrorPage(await browser.get(form.action));
    expectErrorPage(await decide(browser, form, 'allow'));
  });

  it('an expired code -> invalid_grant', async () => {
    const { code, verifier } = await obtainCode(server, { client });
    await sleep(1_100);
    expectTokenError(
      await exchangeCode(server, client, {
        code,
        code_verifier: verifier,
        redirect_uri: REDIRECT_URI,
      }),
      'invalid_grant',
    );
  });
});

describe.each(TEST_TARGETS)(
  'authorization code flow without PKCE for confidential clients (%s)',
  (target) => {
    let server: TestApp;
    let client: TestClient;
    beforeAll(async () => {
      server = await startTestApp(target, { pkce: { requiredForConfidentialClients: false } });
      client = await registerCodeClient(server);
    });
    afterAll(() => server.close());

    it('a code issued without a challenge is exchanged without a verifier', async () => {
      const { code } = await obtainCode(server, { client, pkce: false });
      expectTokens(await exchangeCode(server, client, { code, redirect_uri: REDIRECT_URI }));
    });

    it('PKCE downgrade: a code issued without a challenge, exchanged WITH a verifier -> invalid_grant', async () => {
      const { code } = await obtainCode(server, { client, pkce: false });
      expectTokenError(
        await exchangeCode(server, client, {
          code,
          code_verifier: pkcePair().verifier,
          redirect_uri: REDIRECT_URI,
        }),
        'invalid_grant',
      );
    });
  },
);

describe.each(TEST_TARGETS)('binding cookie Secure attribute (%s)', (target) => {
  const bindingCookies = (page: { headers: Headers }) =>
    page.headers.getSetCookie().filter((c) => c.startsWith('oauth_binding='));

  it.each([
    ['https://auth.example', true],
    ['http://localhost', false],
  ])('issuer %s: Secure is %s, on the first cookie and the renewed one', async (issuer, secure) => {
    const server = await startTestApp(target, { issuer });
    try {
      const client = await registerCodeClient(server);
      const browser = new TestBrowser(server);
      const first = await browser.authorize(codeRequest({ client }).params);
      expect(first.status).toBe(303);
      const returnTo = new URL(first.location!, server.url).searchParams.get('return_to')!;
      browser.user = 'user-alice';
      const renewed = await browser.get(new URL(returnTo, server.url).pathname);
      const cookies = [...bindingCookies(first), ...bindingCookies(renewed)];
      expect(cookies).toHaveLength(2);
      for (const cookie of cookies) {
        expect(cookie.endsWith('; Secure')).toBe(secure);
        expect(cookie).toMatch(/; HttpOnly; SameSite=Lax/);
      }
    } finally {
      await server.close();
    }
  });
});
