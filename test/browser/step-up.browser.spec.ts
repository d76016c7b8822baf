// Step-up sign-in in headless Chromium on the sample app (issue #19): a password signs alice in
// at "low", which reads accounts; a client asking for payments:write (which needs
// "substantial") sends her through the one-time code page (the simulated second factor) before
// any code is issued. The client is oauth4webapi; the payment is made with the token it gets.
import * as oauth from 'oauth4webapi';
import type { Page } from 'playwright-core';
import { artifactPath, CallbackServer } from '../support/browser';
import { SAMPLE_ADAPTERS } from '../support/sample-app';
import {
  AuthorizationStart,
  SampleClientInBrowser,
  startSampleWithClient,
  INSECURE,
} from '../support/sample-client-in-browser';

const CLIENT_NAME = 'Pay Pal Pete';
const PAYMENT = { amount: '12.50', currency: 'EUR', creditor: 'Mad Hatter Tea Party Ltd' };

jest.setTimeout(40_000);

describe.each(SAMPLE_ADAPTERS)(
  'step-up sign-in in a browser (sample app on %s, headless Chromium)',
  (adapter) => {
    let setup: SampleClientInBrowser;
    let issuer: URL;
    let callback: CallbackServer;
    let as: oauth.AuthorizationServer;

    beforeAll(async () => {
      setup = await startSampleWithClient({
        adapter,
        sessionSecret: 'browser-step-up-secret',
        registration: (redirectUri) => ({
          name: CLIENT_NAME,
          website: 'https://pete.example',
          redirectUris: [redirectUri],
          grantTypes: ['authorization_code', 'refresh_token'],
          scopes: ['openid', 'accounts:read', 'payments:write'],
        }),
      });
      ({ issuer, callback, as } = setup);
    });

    afterAll(async () => {
      await setup?.close();
    });

    /** A fresh browser profile (no cookies) with a page. */
    const newPage = () => setup.newPage();

    const startAuthorization = (scope: string) => setup.startAuthorization(scope);

    async function signInWithPassword(page: Page, username: string): Promise<void> {
      expect(new URL(page.url()).pathname).toBe('/login');
      await page.getByLabel('Username').fill(username);
      await page.getByLabel('Password').fill(`${username}-password`);
      await page.getByRole('button', { name: 'Sign in' }).click();
    }

    /** The one-time code the page shows (the simulated second factor). */
    async function shownCode(page: Page): Promise<string> {
      await page.waitForURL((current) => current.pathname === '/login/one-time-code');
      const text = (await page.locator('main').textContent()) ?? '';
      const code = /Your one-time code: (\d{6})/.exec(text)?.[1];
      expect(code).toMatch(/^\d{6}$/);
      return code!;
    }

    async function verify(page: Page, code: string): Promise<void> {
      await page.getByLabel('One-time code').fill(code);
      await page.getByRole('button', { name: 'Verify' }).click();
    }

    async function allowAndExchange(page: Page, flow: AuthorizationStart) {
      await page.waitForURL((current) =>
        current.pathname.startsWith('/oauth/authorize/interaction/'),
      );
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toContain(CLIENT_NAME);
      await page.getByRole('button', { name: 'Allow' }).click();
      await page.waitForURL((current) => current.href.startsWith(callback.redirectUri));
      return setup.exchange(new URL(page.url()), flow);
    }

    function pay(accessToken: string): Promise<Response> {
      return oauth.protectedResourceRequest(
        accessToken,
        'POST',
        new URL('/api/payments', issuer),
        new Headers({ 'content-type': 'application/json' }),
        JSON.stringify(PAYMENT),
        INSECURE,
      );
    }

    it('a payment token only after the second factor: password, one-time code, consent, pay', async () => {
      expect(as.acr_values_supported).toEqual(['low', 'substantial']);
      const page = await newPage();
      const flow = await startAuthorization('openid accounts:read payments:write');
      await page.goto(flow.url.href);
      expect(new URL(page.url()).searchParams.get('acr_values')).toBe('substantial');
      await signInWithPassword(page, 'alice');

      // The password alone does not get through: the code page comes before any consent.
      const code = await shownCode(page);
      await page.screenshot({ path: artifactPath(`one-time-code-${adapter}.png`), fullPage: true });
      const wrong = code === '000000' ? '111111' : '000000';
      await verify(page, wrong);
      expect(await page.getByRole('alert').textContent()).toContain('not correct');
      expect(new URL(page.url()).pathname).toBe('/login/one-time-code');
      expect(callback.received.some((url) => url.searchParams.has('code'))).toBe(false);

      await verify(page, await shownCode(page));
      const tokens = await allowAndExchange(page, flow);
      const claims = oauth.getValidatedIdTokenClaims(tokens)!;
      expect(claims).toMatchObject({ acr: 'substantial', amr: ['pwd', 'otp'] });
      expect(claims.auth_time).toEqual(expect.any(Number));

      const payment = await pay(tokens.access_token);
      expect(payment.status).toBe(201);
      expect(await payment.json()).toMatchObject({ ...PAYMENT, status: 'approved' });
    });

    it('accounts need only the password; payments then step the same sign-in up', async () => {
      const page = await newPage();
      const accountsFlow = await startAuthorization('openid accounts:read');
      await page.goto(accountsFlow.url.href);
      expect(new URL(page.url()).searchParams.has('acr_values')).toBe(false);
      // bob: alice's consent from the test above would skip the consent page.
      await signInWithPassword(page, 'bob');
      const low = await allowAndExchange(page, accountsFlow);
      expect(oauth.getValidatedIdTokenClaims(low)).toMatchObject({ acr: 'low', amr: ['pwd'] });
      const accounts = await oauth.protectedResourceRequest(
        low.access_token,
        'GET',
        new URL('/api/accounts', issuer),
        undefined,
        undefined,
        INSECURE,
      );
      expect(accounts.status).toBe(200);

      // Signed in already: no password again, straight to the one-time code.
      const paymentsFlow = await startAuthorization('openid payments:write');
      await page.goto(paymentsFlow.url.href);
      await verify(page, await shownCode(page));
      const strong = await allowAndExchange(page, paymentsFlow);
      expect(oauth.getValidatedIdTokenClaims(strong)).toMatchObject({
        acr: 'substantial',
        amr: ['pwd', 'otp'],
      });
      expect((await pay(strong.access_token)).status).toBe(201);
    });
  },
);
