// The developer portal registers a FAPI 2.0 application (issue #16): alice pastes the app's public
// JWK Set, gets a client_id and no secret, and the app then runs the FAPI flow against the sample
// with oauth4webapi: a pushed request signed in with private_key_jwt, alice's consent in the
// browser, the code exchanged with a DPoP proof, and the Account Information API called with the
// DPoP-bound token. The same client without PAR or without DPoP is refused.
import type { INestApplication } from '@nestjs/common';
import { exportJWK, generateKeyPair } from 'jose';
import * as oauth from 'oauth4webapi';
import type { Browser, BrowserContext, Page, Request } from 'playwright-core';
import { launchChromium } from '../support/browser';
import { INSECURE } from '../support/sample-client-in-browser';
import { SAMPLE_ADAPTERS, startSample } from '../support/sample-app';

/** Never reached: the browser's requests to it are answered here. */
const REDIRECT_URI = 'https://fapi-app.example/cb';

jest.setTimeout(60_000);

describe.each(SAMPLE_ADAPTERS)('sample app on %s: a FAPI 2.0 app from the portal', (adapter) => {
  let app: INestApplication;
  let url: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let as: oauth.AuthorizationServer;
  let client: oauth.Client;
  let signingKey: CryptoKey;

  beforeAll(async () => {
    [{ app, url }, browser] = await Promise.all([startSample({}, { adapter }), launchChromium()]);
    context = await browser.newContext();
    context.setDefaultTimeout(10_000);
    await context.route('https://fapi-app.example/**', (route) =>
      route.fulfill({ status: 200, contentType: 'text/html', body: '<h1>Client callback</h1>' }),
    );
    page = await context.newPage();
    const issuer = new URL(url);
    as = await oauth.processDiscoveryResponse(
      issuer,
      await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...INSECURE }),
    );
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it('registers the app with its public keys: no secret, PAR and DPoP required', async () => {
    const keys = await generateKeyPair('ES256', { extractable: true });
    signingKey = keys.privateKey;
    const jwk = { ...(await exportJWK(keys.publicKey)), kid: 'fapi-app-1', use: 'sig' };

    await page.goto(`${url}/developers`);
    await page.getByLabel('Username').fill('alice');
    await page.getByLabel('Password').fill('alice-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${url}/developers`);
    await page.getByLabel('Name').fill('Open Banking Aggregator');
    await page.getByLabel('Redirect URIs').fill(REDIRECT_URI);
    await page.getByLabel('Account Information').check();
    await page.getByLabel('FAPI 2.0').check();
    // A private key is refused, with the field pointed at.
    const privateJwk = await exportJWK(keys.privateKey);
    await page.getByLabel('JWK Set').fill(JSON.stringify({ keys: [privateJwk] }));
    await page.getByRole('button', { name: 'Register application' }).click();
    await expect(page.getByText('Public keys not accepted').count()).resolves.toBe(1);
    await expect(page.getByLabel('JWK Set').getAttribute('aria-invalid')).resolves.toBe('true');

    await page.getByLabel('JWK Set').fill(JSON.stringify({ keys: [jwk] }));
    await page.getByLabel('FAPI 2.0').check();
    await page.getByRole('button', { name: 'Register application' }).click();
    await page.getByRole('heading', { name: 'Application registered' }).waitFor();
    client = { client_id: await page.getByLabel('Client ID').inputValue() };
    await expect(page.getByLabel('Client secret').count()).resolves.toBe(0);
    const text = (await page.locator('main').textContent()) ?? '';
    expect(text).toContain('private_key_jwt');
    expect(text).toContain(`${url}/oauth/par`);

    await page.getByRole('link', { name: 'Back to the developer portal' }).click();
    await page.waitForURL(`${url}/developers`);
    const item = page.getByRole('article', { name: 'Open Banking Aggregator' });
    await expect(item.getByText('FAPI 2.0 (private_key_jwt').count()).resolves.toBe(1);
    await expect(item.getByRole('button', { name: 'Rotate secret' }).count()).resolves.toBe(0);
  });

  it('runs the FAPI flow: PAR with private_key_jwt, consent, DPoP-bound tokens, the API', async () => {
    const auth = oauth.PrivateKeyJwt({ key: signingKey, kid: 'fapi-app-1' });
    const DPoP = oauth.DPoP(client, await generateKeyPair('ES256'));
    const verifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const request = {
      response_type: 'code',
      redirect_uri: REDIRECT_URI,
      scope: 'accounts:read',
      state,
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    };

    // Not pushed: refused for this client (require_pushed_authorization_requests).
    const direct = new URL(as.authorization_endpoint!);
    direct.search = new URLSearchParams({ client_id: client.client_id, ...request }).toString();
    const refused = await fetch(direct, { redirect: 'manual' });
    expect(new URL(refused.headers.get('location')!).searchParams.get('error')).toBe(
      'invalid_request',
    );

    const pushed = await oauth.processPushedAuthorizationResponse(
      as,
      client,
      await oauth.pushedAuthorizationRequest(as, client, auth, request, { ...INSECURE, DPoP }),
    );
    const authorize = new URL(as.authorization_endpoint!);
    authorize.search = new URLSearchParams({
      client_id: client.client_id,
      request_uri: pushed.request_uri,
    }).toString();
    await page.goto(authorize.href);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toContain(
      'Open Banking Aggregator',
    );
    const callback = page.waitForRequest((sent: Request) => sent.url().startsWith(REDIRECT_URI));
    await page.getByRole('button', { name: 'Allow', exact: true }).click();
    const params = oauth.validateAuthResponse(as, client, new URL((await callback).url()), state);

    // Without a DPoP proof the code is not exchanged (dpop_bound_access_tokens).
    const withoutProof = await oauth.authorizationCodeGrantRequest(
      as,
      client,
      auth,
      params,
      REDIRECT_URI,
      verifier,
      INSECURE,
    );
    expect(withoutProof.status).toBe(400);

    const tokens = await oauth.processAuthorizationCodeResponse(
      as,
      client,
      await oauth.authorizationCodeGrantRequest(as, client, auth, params, REDIRECT_URI, verifier, {
        ...INSECURE,
        DPoP,
      }),
    );
    expect(tokens.token_type).toBe('dpop');
    const accounts = await oauth.protectedResourceRequest(
      tokens.access_token,
      'GET',
      new URL(`${url}/api/accounts`),
      undefined,
      undefined,
      { ...INSECURE, DPoP },
    );
    expect(accounts.status).toBe(200);
    // As a Bearer token it is refused: it is bound to the DPoP key.
    const asBearer = await fetch(`${url}/api/accounts`, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    expect(asBearer.status).toBe(401);
  });
});
