// Rich Authorization Requests (RFC 9396) in headless Chromium on the sample app: a third-party
// payment app (oauth4webapi) pushes a request (PAR) for one payment_initiation detail; alice
// signs in (password and one-time code: payments need "substantial") and sees "Pay 123.50 EUR to Merchant A (IBAN ...)" on the consent page; Allow gives a
// token whose details are exactly that payment, which POST /api/payments makes once. Deny gives
// access_denied. Tampering after consent changes nothing: query parameters beside the request_uri,
// a field added to the consent form, other details at the token endpoint. Account information:
// the user picks accounts on the consent page and the API shows only those.
import * as oauth from 'oauth4webapi';
import type { Page } from 'playwright-core';
import { artifactPath, CallbackServer } from '../support/browser';
import { SAMPLE_ADAPTERS } from '../support/sample-app';
import {
  SampleClientInBrowser,
  startSampleWithClient,
  INSECURE,
} from '../support/sample-client-in-browser';

const CLIENT_NAME = 'Merchant Checkout';
const IBAN = 'DE02100100109307118603';
const PAYMENT = {
  type: 'payment_initiation',
  instructedAmount: { currency: 'EUR', amount: '123.50' },
  creditorName: 'Merchant A',
  creditorAccount: { iban: IBAN },
};
const DESCRIPTION = `Pay 123.50 EUR to Merchant A (IBAN ${IBAN})`;

jest.setTimeout(30_000);

describe.each(SAMPLE_ADAPTERS)(
  'payment consent in a browser (sample app on %s, headless Chromium)',
  (adapter) => {
    let setup: SampleClientInBrowser;
    let issuer: URL;
    let callback: CallbackServer;
    let as: oauth.AuthorizationServer;
    let client: oauth.Client;
    let clientAuth: oauth.ClientAuth;

    beforeAll(async () => {
      setup = await startSampleWithClient({
        adapter,
        sessionSecret: 'browser-test-secret',
        algorithm: 'oauth2',
        registration: (redirectUri) => ({
          name: CLIENT_NAME,
          redirectUris: [redirectUri],
          grantTypes: ['authorization_code'],
          scopes: ['accounts:read', 'payments:write'],
          authorizationDetailsTypes: ['payment_initiation', 'account_information'],
        }),
      });
      ({ issuer, callback, as, client, clientAuth } = setup);
    });

    afterAll(async () => {
      await setup?.close();
    });

    /** A fresh browser profile (no cookies) with a page. */
    const newPage = () => setup.newPage();

    /** The client pushes its request (RFC 9126); the browser gets client_id and request_uri only. */
    async function pushAuthorization(details: object[]) {
      const codeVerifier = oauth.generateRandomCodeVerifier();
      const state = oauth.generateRandomState();
      const response = await oauth.pushedAuthorizationRequest(
        as,
        client,
        clientAuth,
        {
          response_type: 'code',
          redirect_uri: callback.redirectUri,
          authorization_details: JSON.stringify(details),
          state,
          code_challenge: await oauth.calculatePKCECodeChallenge(codeVerifier),
          code_challenge_method: 'S256',
        },
        INSECURE,
      );
      const { request_uri } = await oauth.processPushedAuthorizationResponse(as, client, response);
      const url = new URL(as.authorization_endpoint!);
      url.search = new URLSearchParams({ client_id: client.client_id, request_uri }).toString();
      return { url, codeVerifier, state };
    }

    /**
     * Password, then (a payment needs "substantial", docs/step-up.md) the one-time code the
     * page shows; an account_information request needs the password only.
     */
    async function signInToConsent(page: Page, url: URL, stepUp: boolean) {
      await page.goto(url.href);
      expect(new URL(page.url()).pathname).toBe('/login');
      await page.getByLabel('Username').fill('alice');
      await page.getByLabel('Password').fill('alice-password');
      await page.getByRole('button', { name: 'Sign in' }).click();
      if (stepUp) {
        await page.waitForURL((current) => current.pathname === '/login/one-time-code');
        const text = (await page.locator('main').textContent()) ?? '';
        await page.getByLabel('One-time code').fill(/Your one-time code: (\d{6})/.exec(text)![1]);
        await page.getByRole('button', { name: 'Verify' }).click();
      }
      await page.waitForURL((current) =>
        current.pathname.startsWith('/oauth/authorize/interaction/'),
      );
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toContain(CLIENT_NAME);
    }

    async function landOnCallback(page: Page): Promise<URL> {
      await page.waitForURL((current) => current.href.startsWith(callback.redirectUri));
      return new URL(page.url());
    }

    async function exchange(landed: URL, state: string, codeVerifier: string) {
      const params = oauth.validateAuthResponse(as, client, landed, state);
      const response = await oauth.authorizationCodeGrantRequest(
        as,
        client,
        clientAuth,
        params,
        callback.redirectUri,
        codeVerifier,
        INSECURE,
      );
      return oauth.processAuthorizationCodeResponse(as, client, response);
    }

    function pay(token: string, body: object) {
      return fetch(new URL('/api/payments', issuer), {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    }

    it('shows the exact payment; Allow gives a token for that payment, made once', async () => {
      const page = await newPage();
      // Query parameters beside a request_uri are ignored (RFC 9126 §4): the pushed details stand.
      const { url, codeVerifier, state } = await pushAuthorization([PAYMENT]);
      const tampered = [{ ...PAYMENT, creditorName: 'Mallory' }];
      url.searchParams.set('authorization_details', JSON.stringify(tampered));
      await signInToConsent(page, url, true);
      const consent = (await page.locator('main').textContent()) ?? '';
      expect(consent).toContain(DESCRIPTION);
      expect(consent).not.toContain('Mallory');
      await page.screenshot({
        path: artifactPath(`payment-consent-${adapter}.png`),
        fullPage: true,
      });

      // A field slipped into the consent form changes nothing either.
      await page.evaluate((value) => {
        const form = document.querySelector('form')!;
        const input = document.createElement('input');
        input.type = 'hidden';
        input.name = 'authorization_details';
        input.value = value;
        form.appendChild(input);
      }, JSON.stringify(tampered));
      await page.getByRole('button', { name: 'Allow' }).click();
      const tokens = await exchange(await landOnCallback(page), state, codeVerifier);
      expect(tokens.authorization_details).toEqual([PAYMENT]);

      const made = await pay(tokens.access_token, {
        amount: '123.50',
        currency: 'EUR',
        creditor: 'Merchant A',
      });
      expect(made.status).toBe(201);
      const payment = await made.json();
      expect(payment).toMatchObject({ status: 'approved', amount: '123.50', creditor_iban: IBAN });
      const again = await pay(tokens.access_token, {
        amount: '123.50',
        currency: 'EUR',
        creditor: 'Merchant A',
      });
      expect(again.status).toBe(403);
      expect(again.headers.get('www-authenticate')).toMatch(/error="insufficient_scope"/);
      const status = await fetch(new URL(`/api/payments/${payment.id}`, issuer), {
        headers: { authorization: `Bearer ${tokens.access_token}` },
      });
      expect(await status.json()).toMatchObject({ id: payment.id, status: 'approved' });
    });

    it('the code cannot be exchanged for other details', async () => {
      const page = await newPage();
      const { url, codeVerifier, state } = await pushAuthorization([PAYMENT]);
      await signInToConsent(page, url, true);
      await page.getByRole('button', { name: 'Allow' }).click();
      const params = oauth.validateAuthResponse(as, client, await landOnCallback(page), state);
      const other = [{ ...PAYMENT, instructedAmount: { currency: 'EUR', amount: '9999.00' } }];
      const response = await oauth.authorizationCodeGrantRequest(
        as,
        client,
        clientAuth,
        params,
        callback.redirectUri,
        codeVerifier,
        { ...INSECURE, additionalParameters: { authorization_details: JSON.stringify(other) } },
      );
      expect(response.status).toBe(400);
      expect((await response.json()).error).toBe('invalid_authorization_details');
    });

    it('Deny: the client gets access_denied', async () => {
      const page = await newPage();
      const { url, state } = await pushAuthorization([PAYMENT]);
      await signInToConsent(page, url, true);
      await page.getByRole('button', { name: 'Deny' }).click();
      const landed = await landOnCallback(page);
      expect(landed.searchParams.get('error')).toBe('access_denied');
      expect(landed.searchParams.get('state')).toBe(state);
      expect(landed.searchParams.has('code')).toBe(false);
    });

    it('account information: the accounts picked on the consent page, and only those', async () => {
      const page = await newPage();
      const { url, codeVerifier, state } = await pushAuthorization([
        { type: 'account_information' },
      ]);
      await signInToConsent(page, url, false);
      await page.getByLabel('Savings account (NL20INGB0001234567)').check();
      await page.getByRole('button', { name: 'Allow' }).click();
      const tokens = await exchange(await landOnCallback(page), state, codeVerifier);
      expect(tokens.authorization_details).toEqual([
        { type: 'account_information', accounts: ['acc-alice-savings'] },
      ]);
      const accounts = await fetch(new URL('/api/accounts', issuer), {
        headers: { authorization: `Bearer ${tokens.access_token}` },
      });
      expect((await accounts.json()).map((account: { id: string }) => account.id)).toEqual([
        'acc-alice-savings',
      ]);
    });
  },
);
