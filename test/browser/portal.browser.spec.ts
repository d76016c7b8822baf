// The developer portal and the code flow in a real browser (Debian's headless Chromium driven by
// playwright-core): sign in as alice, register an application, run the authorization code flow
// for it end to end, deny, and revoke access from the portal. Writes screenshots of the portal
// and the consent page to test-artifacts/ (ignored by git).
//
// Needs /usr/bin/chromium (`apt-get install -y chromium`) or CHROMIUM_PATH. Never
// `npx playwright install`: playwright-core drives the system's browser.
import type { INestApplication } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import type { Browser, BrowserContext, Page, Request } from 'playwright-core';
import { artifactPath, launchChromium } from '../support/browser';
import { SAMPLE_ADAPTERS, startSample } from '../support/sample-app';
import { pkcePair } from '../support/token-helpers';
/** The registered app's redirect URI: never reached, the browser's requests to it are answered here. */
const REDIRECT_URI = 'https://app.example/cb';

jest.setTimeout(60_000);

describe.each(SAMPLE_ADAPTERS)(
  'sample app on %s in a browser: developer portal and code flow',
  (adapter) => {
    let app: INestApplication;
    let url: string;
    let browser: Browser;
    let context: BrowserContext;
    let page: Page;
    /** The app alice registers in the portal. */
    const registered = { clientId: '', clientSecret: '' };
    /** The access token the app gets for alice. */
    let accessToken = '';

    beforeAll(async () => {
      ({ app, url } = await startSample({}, { adapter }));
      browser = await launchChromium();
      context = await browser.newContext();
      // The client's redirect URI: answer with a tiny page instead of going to the network.
      await context.route('https://app.example/**', (route) =>
        route.fulfill({
          status: 200,
          contentType: 'text/html',
          body: '<!doctype html><title>Client callback</title><h1>Client callback</h1>',
        }),
      );
      page = await context.newPage();
    });

    afterAll(async () => {
      await browser?.close();
      await app?.close();
    });

    /** An authorization request with a fresh PKCE S256 pair. */
    function authorizationRequest(scope: string, state: string) {
      const { verifier, challenge } = pkcePair();
      const query = new URLSearchParams({
        response_type: 'code',
        client_id: registered.clientId,
        redirect_uri: REDIRECT_URI,
        scope,
        state,
        nonce: randomBytes(16).toString('base64url'),
        code_challenge: challenge,
        code_challenge_method: 'S256',
      });
      return { url: `${url}/oauth/authorize?${query}`, verifier };
    }

    /** Clicks `button` on the consent page and returns the parameters the client receives. */
    async function decideAndCatchCallback(button: 'Allow' | 'Deny'): Promise<URLSearchParams> {
      const callback = page.waitForRequest((request: Request) =>
        request.url().startsWith(`${REDIRECT_URI}?`),
      );
      await page.getByRole('button', { name: button, exact: true }).click();
      const params = new URL((await callback).url()).searchParams;
      await page.waitForURL((u) => u.href.startsWith(REDIRECT_URI));
      return params;
    }

    const callApi = (token: string) =>
      fetch(`${url}/api/accounts`, { headers: { authorization: `Bearer ${token}` } });

    it('signs alice in, from the portal back to the portal', async () => {
      await page.goto(`${url}/developers`);
      expect(new URL(page.url()).pathname).toBe('/login');
      await page.getByLabel('Username').fill('alice');
      await page.getByLabel('Password').fill('alice-password');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL(`${url}/developers`);
      await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe(
        'Developer portal',
      );
      await expect(page.getByText('Signed in as Alice Liddell').count()).resolves.toBe(1);
    });

    it('registers an application and shows its client_id and secret once', async () => {
      await page.getByLabel('Name').fill('Budget Buddy');
      await page.getByLabel('Website').fill('https://app.example');
      await page.getByLabel('Redirect URIs').fill(REDIRECT_URI);
      await page.getByLabel('Account Information').check();
      await page.getByLabel('Sign-in with OpenID Connect').check();
      await page.getByLabel('Confidential').check();
      await page.getByRole('button', { name: 'Register application' }).click();

      await page.getByRole('heading', { name: 'Application registered' }).waitFor();
      registered.clientId = await page.getByLabel('Client ID').inputValue();
      registered.clientSecret = await page.getByLabel('Client secret').inputValue();
      expect(registered.clientId).toMatch(/^[0-9a-f-]{36}$/);
      expect(registered.clientSecret.length).toBeGreaterThanOrEqual(32);
      await expect(page.getByText('it is shown only once').count()).resolves.toBe(1);
      await page.screenshot({
        path: artifactPath(`portal-credentials-${adapter}.png`),
        fullPage: true,
      });

      // Back in the portal: the app is listed with its client_id, and the secret is gone.
      await page.getByRole('link', { name: 'Back to the developer portal' }).click();
      await page.waitForURL(`${url}/developers`);
      const item = page.getByRole('article', { name: 'Budget Buddy' });
      await expect(item.getByText(registered.clientId).count()).resolves.toBe(1);
      await expect(item.getByText(REDIRECT_URI).count()).resolves.toBe(1);
      await expect(item.getByRole('button', { name: 'Rotate secret' }).count()).resolves.toBe(1);
      expect(await page.content()).not.toContain(registered.clientSecret);
      await page.screenshot({
        path: artifactPath(`portal-${adapter}.png`),
        fullPage: true,
      });
    });

    it('shows a validation message for a redirect URI that is not https', async () => {
      await page.getByLabel('Name').fill('Insecure');
      await page.getByLabel('Redirect URIs').fill('http://app.example/cb');
      await page.getByLabel('Account Information').check();
      await page.getByRole('button', { name: 'Register application' }).click();
      const alert = page.getByRole('alert');
      await alert.waitFor();
      await expect(alert.textContent()).resolves.toMatch(/Redirect URI not accepted/);
      await expect(page.getByLabel('Name').inputValue()).resolves.toBe('Insecure');
      await expect(page.getByLabel('Redirect URIs').inputValue()).resolves.toBe(
        'http://app.example/cb',
      );
      // The invalid field has the focus.
      await expect(page.evaluate(() => document.activeElement?.getAttribute('id'))).resolves.toBe(
        'app-redirect-uris',
      );
    });

    it('runs the code flow for the app: consent, Allow, code, token, API', async () => {
      const request = authorizationRequest('openid accounts:read', 'state-allow');
      await page.goto(request.url);
      // The consent page: the client's name, each scope's description, Allow and Deny.
      await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toContain(
        'Budget Buddy',
      );
      await expect(
        page.getByText('Read your account information and balances').count(),
      ).resolves.toBe(1);
      await page.screenshot({
        path: artifactPath(`consent-${adapter}.png`),
        fullPage: true,
      });

      const params = await decideAndCatchCallback('Allow');
      expect(params.get('state')).toBe('state-allow');
      expect(params.get('iss')).toBe(url);
      const code = params.get('code');
      expect(code).toBeTruthy();

      const basic = Buffer.from(
        `${encodeURIComponent(registered.clientId)}:${encodeURIComponent(registered.clientSecret)}`,
      ).toString('base64');
      const response = await fetch(`${url}/oauth/token`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${basic}`,
        },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code: code!,
          redirect_uri: REDIRECT_URI,
          code_verifier: request.verifier,
        }).toString(),
      });
      expect(response.status).toBe(200);
      const tokens = await response.json();
      expect(tokens).toMatchObject({ token_type: 'Bearer', scope: 'openid accounts:read' });
      expect(tokens.id_token).toEqual(expect.any(String));
      accessToken = tokens.access_token;

      const api = await callApi(accessToken);
      expect(api.status).toBe(200);
      expect(Array.isArray(await api.json())).toBe(true);
    });

    it('revokes access from the portal: the API refuses the token', async () => {
      await page.goto(`${url}/developers`);
      const item = page
        .getByRole('region', { name: 'Apps you authorised' })
        .getByRole('article', { name: 'Budget Buddy' });
      await expect(
        item.getByText('Read your account information and balances').count(),
      ).resolves.toBe(1);
      await item.getByRole('button', { name: 'Revoke access' }).click();
      await page.waitForURL(`${url}/developers?done=revoked`);
      await expect(page.getByRole('status').textContent()).resolves.toMatch(/Access revoked/);
      await expect(
        page
          .getByRole('region', { name: 'Apps you authorised' })
          .getByRole('article', { name: 'Budget Buddy' })
          .count(),
      ).resolves.toBe(0);

      const api = await callApi(accessToken);
      expect(api.status).toBe(401);
      expect(api.headers.get('www-authenticate')).toMatch(/^Bearer .*error="invalid_token"/);
    });

    it('sends error=access_denied to the app when alice clicks Deny', async () => {
      // Revoking forgot the consent, so alice is asked again.
      const request = authorizationRequest('accounts:read', 'state-deny');
      await page.goto(request.url);
      const params = await decideAndCatchCallback('Deny');
      expect(params.get('error')).toBe('access_denied');
      expect(params.get('state')).toBe('state-deny');
      expect(params.get('iss')).toBe(url);
      expect(params.has('code')).toBe(false);
    });
  },
);
