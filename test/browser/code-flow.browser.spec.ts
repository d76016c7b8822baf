// The whole authorization code flow in headless Chromium on the sample app: a third-party client
// (oauth4webapi, which checks iss, state, PKCE and the id_token) sends the user to the
// authorization endpoint; the user signs in on the sample's page, sees the consent page, clicks
// Allow (or Deny) and lands on the client's redirect URI; the client exchanges the code and
// calls the sample's API with the access token.
import { createRemoteJWKSet, jwtVerify } from 'jose';
import * as oauth from 'oauth4webapi';
import type { Page } from 'playwright-core';
import { artifactPath, CallbackServer } from '../support/browser';
import { SAMPLE_ADAPTERS } from '../support/sample-app';
import {
  SampleClientInBrowser,
  startSampleWithClient,
  INSECURE,
} from '../support/sample-client-in-browser';

const CLIENT_NAME = 'Budget Buddy';
const SCOPE = 'openid profile email accounts:read';
/** The sample's descriptions of SCOPE (sample-app/app.module.ts). */
const SCOPE_DESCRIPTIONS = [
  'Sign you in with your identity',
  'See your name',
  'See your email address',
  'Read your account information',
];

jest.setTimeout(30_000);

describe.each(SAMPLE_ADAPTERS)(
  'authorization code flow in a browser (sample app on %s, headless Chromium)',
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
        registration: (redirectUri) => ({
          name: CLIENT_NAME,
          website: 'https://budget-buddy.example',
          redirectUris: [redirectUri],
          grantTypes: ['authorization_code', 'refresh_token'],
          scopes: ['openid', 'profile', 'email', 'offline_access', 'accounts:read'],
        }),
      });
      ({ issuer, callback, as, client, clientAuth } = setup);
    });

    afterAll(async () => {
      await setup?.close();
    });

    /** A fresh browser profile (no cookies) with a page. */
    const newPage = () => setup.newPage();

    const startAuthorization = () => setup.startAuthorization(SCOPE);

    /** From the authorization URL through the sample's sign-in page to the consent page. */
    async function signInToConsent(
      page: Page,
      url: URL,
      username: string,
      password: string,
    ): Promise<void> {
      await page.goto(url.href);
      expect(new URL(page.url()).pathname).toBe('/login');
      await page.getByLabel('Username').fill(username);
      await page.getByLabel('Password').fill(password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL((current) =>
        current.pathname.startsWith('/oauth/authorize/interaction/'),
      );
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toContain(CLIENT_NAME);
    }

    async function landOnCallback(page: Page): Promise<URL> {
      await page.waitForURL((current) => current.href.startsWith(callback.redirectUri));
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(
        'Back at the client',
      );
      return new URL(page.url());
    }

    it('sign in, consent, Allow: the client gets a code, exchanges it and calls the API', async () => {
      const page = await newPage();
      const { url, codeVerifier, nonce, state } = await startAuthorization();

      await signInToConsent(page, url, 'alice', 'alice-password');
      const consent = (await page.locator('main').textContent()) ?? '';
      expect(consent).toContain(CLIENT_NAME);
      expect(consent).toContain('https://budget-buddy.example');
      for (const description of SCOPE_DESCRIPTIONS) expect(consent).toContain(description);
      await page.screenshot({ path: artifactPath(`consent-page-${adapter}.png`), fullPage: true });

      await page.getByRole('button', { name: 'Allow' }).click();
      const landed = await landOnCallback(page);
      expect(callback.received.map((u) => u.href)).toContain(landed.href);
      expect(landed.searchParams.get('iss')).toBe(issuer.origin);

      // oauth4webapi checks iss (RFC 9207) and state.
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
      // ... and the token response: the id_token's iss, aud, exp, iat and nonce.
      const tokens = await oauth.processAuthorizationCodeResponse(as, client, response, {
        expectedNonce: nonce,
        requireIdToken: true,
      });
      expect(tokens.token_type).toBe('bearer');
      expect(tokens.refresh_token).toBeUndefined(); // openid without offline_access
      const claims = oauth.getValidatedIdTokenClaims(tokens)!;
      expect(claims).toMatchObject({
        iss: issuer.origin,
        aud: client.client_id,
        nonce,
        sub: expect.any(String),
      });
      expect(claims.auth_time).toEqual(expect.any(Number));
      // The signature, against the published keys.
      const jwks = createRemoteJWKSet(new URL(as.jwks_uri!));
      await expect(
        jwtVerify(tokens.id_token!, jwks, {
          issuer: issuer.origin,
          audience: client.client_id,
          algorithms: ['RS256'],
        }),
      ).resolves.toBeDefined();

      const accounts = await oauth.protectedResourceRequest(
        tokens.access_token,
        'GET',
        new URL('/api/accounts', issuer),
        undefined,
        undefined,
        INSECURE,
      );
      expect(accounts.status).toBe(200);
      expect(Array.isArray(await accounts.json())).toBe(true);

      const userinfo = await oauth.userInfoRequest(as, client, tokens.access_token, INSECURE);
      const info = await oauth.processUserInfoResponse(as, client, claims.sub, userinfo);
      expect(info).toMatchObject({
        sub: claims.sub,
        name: 'Alice Liddell',
        email: 'alice@example.com',
      });

      // The code was for one use only.
      const replay = await oauth.authorizationCodeGrantRequest(
        as,
        client,
        clientAuth,
        params,
        callback.redirectUri,
        codeVerifier,
        INSECURE,
      );
      expect(replay.status).toBe(400);
      expect((await replay.json()).error).toBe('invalid_grant');
    });

    it('sign in, consent, Deny: the client gets access_denied with state and iss', async () => {
      const page = await newPage();
      const { url, state } = await startAuthorization();

      await signInToConsent(page, url, 'bob', 'bob-password');
      await page.getByRole('button', { name: 'Deny' }).click();
      const landed = await landOnCallback(page);
      expect(landed.searchParams.get('error')).toBe('access_denied');
      expect(landed.searchParams.get('state')).toBe(state);
      expect(landed.searchParams.get('iss')).toBe(issuer.origin);
      expect(landed.searchParams.has('code')).toBe(false);

      let error: unknown;
      try {
        oauth.validateAuthResponse(as, client, landed, state);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(oauth.AuthorizationResponseError);
      expect((error as oauth.AuthorizationResponseError).error).toBe('access_denied');
    });
  },
);
