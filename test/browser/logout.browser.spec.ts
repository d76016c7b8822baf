// OpenID Connect logout in headless Chromium on the sample app. A client (oauth4webapi) signs
// alice in, then sends her to the advertised end_session_endpoint with its id_token as hint: the
// logout confirmation asks, she clicks "Sign out", lands on the client's registered post-logout
// redirect URI with its state, the sample's session is gone, and the client's back-channel
// endpoint got a logout token it verifies against the JWKS. The sample's own "Sign out" link
// goes the same way.
import { createRemoteJWKSet, jwtVerify } from 'jose';
import * as oauth from 'oauth4webapi';
import type { Page } from 'playwright-core';
import { artifactPath, CallbackServer, startCallbackServer } from '../support/browser';
import { Receiver, startReceiver } from '../support/logout-receiver';
import { SAMPLE_ADAPTERS } from '../support/sample-app';
import { SampleClientInBrowser, startSampleWithClient } from '../support/sample-client-in-browser';

const CLIENT_NAME = 'Budget Buddy';

jest.setTimeout(30_000);

describe.each(SAMPLE_ADAPTERS)(
  'logout in a browser (sample app on %s, headless Chromium)',
  (adapter) => {
    let setup: SampleClientInBrowser;
    let issuer: URL;
    let callback: CallbackServer;
    let signedOut: CallbackServer;
    let receiver: Receiver;
    let as: oauth.AuthorizationServer;
    let client: oauth.Client;

    beforeAll(async () => {
      [signedOut, receiver] = await Promise.all([
        startCallbackServer('/signed-out'),
        startReceiver(),
      ]);
      setup = await startSampleWithClient({
        adapter,
        registration: (redirectUri) => ({
          name: CLIENT_NAME,
          redirectUris: [redirectUri],
          grantTypes: ['authorization_code'],
          scopes: ['openid', 'accounts:read'],
          postLogoutRedirectUris: [signedOut.redirectUri],
          backchannelLogoutUri: `${receiver.url}/backchannel-logout`,
        }),
      });
      ({ issuer, callback, as, client } = setup);
    });

    afterAll(async () => {
      await setup?.close();
      await signedOut?.close();
      await receiver?.close();
    });

    /** A fresh browser profile (no cookies) with a page. */
    const newPage = () => setup.newPage();

    async function signIn(page: Page): Promise<void> {
      await page.getByLabel('Username').fill('alice');
      await page.getByLabel('Password').fill('alice-password');
      await page.getByRole('button', { name: 'Sign in' }).click();
    }

    /** The code flow in `page`: sign in, Allow, the code exchanged; the validated token response. */
    async function signInThroughClient(page: Page) {
      const flow = await setup.startAuthorization('openid accounts:read');
      await page.goto(flow.url.href);
      await signIn(page);
      await page.getByRole('button', { name: 'Allow' }).click();
      await page.waitForURL((current) => current.href.startsWith(callback.redirectUri));
      return setup.exchange(new URL(page.url()), flow);
    }

    async function expectSignedOutOfSample(page: Page): Promise<void> {
      await page.goto(issuer.href);
      expect(await page.locator('main').textContent()).toContain('You are not signed in');
    }

    it('the client sends alice to the end-session endpoint: she confirms, lands back with state, the client is told', async () => {
      const page = await newPage();
      const tokens = await signInThroughClient(page);
      const { sub } = oauth.getValidatedIdTokenClaims(tokens)!;
      const state = oauth.generateRandomState();
      const before = receiver.received.length;
      const callApi = () =>
        fetch(new URL('/api/accounts', issuer), {
          headers: { authorization: `Bearer ${tokens.access_token}` },
        });
      expect((await callApi()).status).toBe(200);

      const logout = new URL(as.end_session_endpoint!);
      logout.search = new URLSearchParams({
        id_token_hint: tokens.id_token!,
        post_logout_redirect_uri: signedOut.redirectUri,
        state,
      }).toString();
      await page.goto(logout.href);
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Sign out?');
      expect(await page.locator('main').textContent()).toContain(CLIENT_NAME);
      await page.screenshot({ path: artifactPath(`logout-page-${adapter}.png`), fullPage: true });
      expect(receiver.received.length).toBe(before);

      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.waitForURL((current) => current.href.startsWith(signedOut.redirectUri));
      expect(new URL(page.url()).searchParams.get('state')).toBe(state);
      await expectSignedOutOfSample(page);

      // The client's back channel got a logout token for alice, signed with the published keys.
      const deadline = Date.now() + 10_000;
      while (receiver.received.length === before && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      const [delivery] = receiver.received.slice(before);
      expect(delivery.path).toBe('/backchannel-logout');
      const { payload, protectedHeader } = await jwtVerify(
        delivery.body.get('logout_token')!,
        createRemoteJWKSet(new URL(as.jwks_uri!)),
        { issuer: issuer.origin, audience: client.client_id, typ: 'logout+jwt' },
      );
      expect(protectedHeader.typ).toBe('logout+jwt');
      expect(payload.sub).toBe(sub);
      expect(payload.events).toEqual({ 'http://schemas.openid.net/event/backchannel-logout': {} });

      // The access token of that sign-in stopped working (no offline_access: Back-Channel §2.7).
      const accounts = await callApi();
      expect(accounts.status).toBe(401);
    });

    it('the sample’s Sign out link ends the session through the logout confirmation', async () => {
      const page = await newPage();
      await page.goto(new URL('/login', issuer).href);
      await signIn(page);
      await page.waitForURL((current) => current.pathname === '/');
      expect(await page.locator('main').textContent()).toContain('Signed in as');

      await page.getByRole('link', { name: 'Sign out' }).click();
      await page.waitForURL((current) => current.pathname === '/oauth/end_session');
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Sign out?');
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.waitForURL((current) => current.pathname === '/oauth/end_session/confirm');
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(
        'You are signed out',
      );
      await expectSignedOutOfSample(page);
    });
  },
);
