// The device authorization grant (RFC 8628) driven by oauth4webapi's device flow functions, the
// user's side played by a cookie-keeping test browser at the module's verification page: pending,
// slow_down (the interval grows), approved (tokens, once, even to concurrent polls), denied and
// expired; the verification page's wrong-code limit.
import * as oauth from 'oauth4webapi';
import type { DataSource } from 'typeorm';
import { OAUTH_DATA_SOURCE, OAUTH_PATHS } from '../../src';
import { OAuthAttemptLimit } from '../../src/storage/entities/oauth-attempt-limit.entity';
import { OAuthDeviceAuthorization } from '../../src/storage/entities/oauth-device-authorization.entity';
import {
  consentForm,
  decide,
  isConsentPage,
  Page,
  TestBrowser,
} from '../support/authorize-helpers';
import { TEST_TARGETS } from '../support/targets';
import { startTestApp, TestApp } from '../support/test-app';
import { registerClient, TestClient } from '../support/token-helpers';

const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const INSECURE = { [oauth.allowInsecureRequests]: true } as const;

describe.each(TEST_TARGETS)('device authorization grant (%s)', (target) => {
  let server: TestApp;
  let as: oauth.AuthorizationServer;
  let tv: TestClient;
  let client: oauth.Client;
  const none = oauth.None();

  beforeAll(async () => {
    server = await startTestApp(target, {
      grantTypes: ['authorization_code', 'refresh_token', DEVICE_CODE_GRANT],
      deviceFlow: { interval: 1, maxUserCodeFailures: 3 },
    });
    const issuer = new URL(server.url);
    as = await oauth.processDiscoveryResponse(
      issuer,
      await oauth.discoveryRequest(issuer, { ...INSECURE, algorithm: 'oauth2' }),
    );
    // A TV app: a public client, registered for the device grant and refresh tokens.
    tv = await registerClient(server, {
      name: 'Living Room TV',
      grantTypes: [DEVICE_CODE_GRANT, 'refresh_token'],
      tokenEndpointAuthMethod: 'none',
      scopes: ['openid', 'accounts:read', 'offline_access'],
    });
    client = { client_id: tv.clientId };
  });
  afterAll(() => server.close());

  async function startDeviceAuthorization(scope = 'accounts:read') {
    const response = await oauth.deviceAuthorizationRequest(as, client, none, { scope }, INSECURE);
    return oauth.processDeviceAuthorizationResponse(as, client, response);
  }

  /** One poll: the tokens, or the error oauth4webapi raised (with the body in `cause`). */
  async function poll(deviceCode: string) {
    const response = await oauth.deviceCodeGrantRequest(as, client, none, deviceCode, INSECURE);
    try {
      return { tokens: await oauth.processDeviceCodeResponse(as, client, response) };
    } catch (error) {
      if (!(error instanceof oauth.ResponseBodyError)) throw error;
      return { error: error.error, body: error.cause, status: error.status };
    }
  }

  /** The user, signed in as alice, enters the code and decides on the consent page. */
  async function userDecides(userCode: string, decision: 'allow' | 'deny'): Promise<Page> {
    const browser = new TestBrowser(server, 'user-alice');
    const form = await browser.get(`${OAUTH_PATHS.deviceVerification}?user_code=${userCode}`);
    expect(form.status).toBe(200);
    expect(form.text).toContain('<label for="user_code">Code</label>');
    expect(form.text).toContain(`value="${userCode}"`); // filled in, not submitted for the user
    const entered = await browser.post(OAUTH_PATHS.deviceVerification, {
      user_code: userCode.toLowerCase().replace('-', ' '), // case and punctuation do not matter
    });
    expect(entered.status).toBe(303);
    const consent = await browser.get(entered.location!);
    expect(isConsentPage(consent)).toBe(true);
    expect(consent.text).toContain('Living Room TV');
    expect(consent.text).toContain(userCode); // to compare with the device's screen
    const done = await decide(browser, consentForm(consent), decision);
    expect(done.status).toBe(303);
    expect(done.location).toBe(
      `${server.url}${OAUTH_PATHS.deviceVerification}/done?result=${decision === 'allow' ? 'approved' : 'denied'}`,
    );
    return browser.get(done.location!);
  }

  it('is advertised in the metadata', () => {
    expect(as.device_authorization_endpoint).toBe(
      `${server.url}${OAUTH_PATHS.deviceAuthorization}`,
    );
    expect(as.grant_types_supported).toContain(DEVICE_CODE_GRANT);
  });

  it('pending, slow_down (the interval grows), approved: tokens once', async () => {
    const device = await startDeviceAuthorization('openid accounts:read offline_access');
    expect(device).toMatchObject({
      verification_uri: `${server.url}${OAUTH_PATHS.deviceVerification}`,
      expires_in: 600,
      interval: 1,
    });
    expect(device.user_code).toMatch(/^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
    expect(device.verification_uri_complete).toBe(
      `${device.verification_uri}?user_code=${device.user_code}`,
    );

    expect(await poll(device.device_code)).toMatchObject({
      error: 'authorization_pending',
      body: { status: 'pending' },
    });
    // At once again: too fast.
    expect(await poll(device.device_code)).toMatchObject({
      error: 'slow_down',
      body: { status: 'pending', interval: 6 },
    });
    // Still too fast for the grown interval (1 + 5 seconds), after the old one.
    await sleep(1100);
    expect(await poll(device.device_code)).toMatchObject({ error: 'slow_down' });

    const done = await userDecides(device.user_code, 'allow');
    expect(done.text).toContain('Device connected');

    const { tokens } = await poll(device.device_code);
    expect(tokens).toMatchObject({
      token_type: 'bearer',
      scope: 'openid accounts:read offline_access',
      status: 'approved',
      refresh_token: expect.any(String),
      id_token: expect.any(String),
    });
    expect(oauth.getValidatedIdTokenClaims(tokens!)).toMatchObject({
      sub: 'user-alice',
      aud: tv.clientId,
    });
    // Spent: a second poll gets nothing.
    expect(await poll(device.device_code)).toMatchObject({ error: 'invalid_grant' });
  });

  it('concurrent polls after approval: exactly one gets the tokens', async () => {
    const device = await startDeviceAuthorization();
    await userDecides(device.user_code, 'allow');
    const results = await Promise.all(Array.from({ length: 6 }, () => poll(device.device_code)));
    expect(results.filter((result) => result.tokens)).toHaveLength(1);
    expect(results.filter((result) => result.error === 'invalid_grant')).toHaveLength(5);
  });

  it('denied: access_denied, reported as rejected', async () => {
    const device = await startDeviceAuthorization();
    const done = await userDecides(device.user_code, 'deny');
    expect(done.text).toContain('Access denied');
    expect(await poll(device.device_code)).toMatchObject({
      error: 'access_denied',
      body: { status: 'rejected' },
    });
  });

  it('expired: expired_token, and the verification page no longer knows the code', async () => {
    const device = await startDeviceAuthorization();
    await server.app
      .get<DataSource>(OAUTH_DATA_SOURCE)
      .getRepository(OAuthDeviceAuthorization)
      .update({ clientId: tv.clientId, status: 'pending' }, { expiresAt: Date.now() - 1 });
    expect(await poll(device.device_code)).toMatchObject({ error: 'expired_token' });
    const browser = new TestBrowser(server, 'user-alice');
    const page = await browser.post(OAUTH_PATHS.deviceVerification, {
      user_code: device.user_code,
    });
    expect(page.status).toBe(400);
    expect(page.text).toContain('not valid, or it has expired');
  });

  it('refuses clients not registered for the grant, and a device code of another client', async () => {
    const web = await registerClient(server, {
      grantTypes: ['authorization_code'],
      redirectUris: ['https://app.example/cb'],
      tokenEndpointAuthMethod: 'none',
    });
    const webClient = { client_id: web.clientId };
    const refused = await oauth
      .processDeviceAuthorizationResponse(
        as,
        webClient,
        await oauth.deviceAuthorizationRequest(as, webClient, none, {}, INSECURE),
      )
      .catch((error: oauth.ResponseBodyError) => error);
    expect(refused).toMatchObject({ error: 'unauthorized_client' });

    // A confidential device client authenticates as at the token endpoint.
    const kiosk = await registerClient(server, {
      grantTypes: [DEVICE_CODE_GRANT],
      scopes: ['accounts:read'],
    });
    const kioskClient = { client_id: kiosk.clientId };
    const basic = oauth.ClientSecretBasic(kiosk.clientSecret!);
    const device = await oauth.processDeviceAuthorizationResponse(
      as,
      kioskClient,
      await oauth.deviceAuthorizationRequest(as, kioskClient, basic, {}, INSECURE),
    );
    const wrongSecret = await oauth.deviceAuthorizationRequest(
      as,
      kioskClient,
      oauth.ClientSecretBasic('wrong'),
      {},
      INSECURE,
    );
    expect(wrongSecret.status).toBe(401);
    // The kiosk's device code, presented by the TV.
    expect(await poll(device.device_code)).toMatchObject({ error: 'invalid_grant' });
  });

  it('refuses authorization_details (RFC 9396) instead of dropping them', async () => {
    const response = await oauth.deviceAuthorizationRequest(
      as,
      client,
      none,
      { scope: 'accounts:read', authorization_details: '[{"type":"payment_initiation"}]' },
      INSECURE,
    );
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: 'invalid_request',
      error_description: expect.stringContaining('authorization_details is not supported'),
    });
  });

  it('answers only POST at the device authorization endpoint', async () => {
    const response = await fetch(`${server.url}${OAUTH_PATHS.deviceAuthorization}`);
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
  });

  it('refuses a code form posted from another site', async () => {
    const device = await startDeviceAuthorization();
    const browser = new TestBrowser(server, 'user-alice');
    const page = await browser.post(
      OAUTH_PATHS.deviceVerification,
      { user_code: device.user_code },
      { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
    );
    expect(page.status).toBe(400);
    expect(page.text).not.toContain('Living Room TV');
  });

  // Last two: they make this client address wait.
  it('limits wrong user codes per client address, even before a right one', async () => {
    // Forget the expired code entered above: count from zero.
    await server.app.get<DataSource>(OAUTH_DATA_SOURCE).getRepository(OAuthAttemptLimit).clear();
    const device = await startDeviceAuthorization();
    const browser = new TestBrowser(server);
    for (const attempt of [1, 2]) {
      const page = await browser.post(OAUTH_PATHS.deviceVerification, { user_code: 'BCDF-GHJK' });
      expect({ attempt, status: page.status }).toEqual({ attempt, status: 400 });
    }
    const third = await browser.post(OAUTH_PATHS.deviceVerification, { user_code: 'BCDF-GHJK' });
    expect(third.status).toBe(429);
    expect(third.headers.get('retry-after')).toBe('1');
    // While waiting, the right code is refused too.
    const right = await browser.post(OAUTH_PATHS.deviceVerification, {
      user_code: device.user_code,
    });
    expect(right.status).toBe(429);
    expect(right.text).toMatch(/Too many wrong codes. Try again in \d+ seconds./);
    await sleep(1100);
    const later = await browser.post(OAUTH_PATHS.deviceVerification, {
      user_code: device.user_code,
    });
    expect(later.status).toBe(303); // on to sign-in
  });

  it('checks no more codes of a parallel burst than the limit allows', async () => {
    await server.app.get<DataSource>(OAUTH_DATA_SOURCE).getRepository(OAuthAttemptLimit).clear();
    const browser = new TestBrowser(server);
    const pages = await Promise.all(
      Array.from({ length: 10 }, () =>
        browser.post(OAUTH_PATHS.deviceVerification, { user_code: 'BCDF-GHJK' }),
      ),
    );
    const statuses = pages.map((page) => page.status).sort();
    // Two wrong codes are free; the third sets the wait as it is counted, so the rest wait.
    expect(statuses).toEqual([400, 400, ...Array(8).fill(429)]);
  });
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
