// OpenID Connect RP-Initiated Logout 1.0 and Back-Channel Logout 1.0, end to end: oauth4webapi
// (a strict client written by someone else) gets an id_token, sends the user to the advertised
// end_session_endpoint, and a small HTTP server of its own receives the logout tokens, which it
// verifies with jose against our JWKS as a relying party would.
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import * as oauth from 'oauth4webapi';
import { OAUTH_PATHS, OAuthEvent, OAuthEvents, ResourceOwnerProvider } from '../../src';
import { KeyRing } from '../../src/keys/key-ring.service';
import { signCompactJws } from '../../src/keys/jws';
import { BACKCHANNEL_LOGOUT_EVENT } from '../../src/logout/backchannel-logout.service';
import {
  exchangeCode,
  expectErrorPage,
  expectPageSecurityHeaders,
  obtainCode,
  Page,
  TestBrowser,
} from '../support/authorize-helpers';
import { Receiver, startReceiver } from '../support/logout-receiver';
import { describeOn, TEST_TARGETS } from '../support/targets';
import { startTestApp, TEST_USERS, TestApp } from '../support/test-app';
import { REDIRECT_URI, registerClient, TestClient } from '../support/token-helpers';

const INSECURE = { [oauth.allowInsecureRequests]: true } as const;
const SIGNED_OUT_URI = 'https://app.example/signed-out';
const INITIAL_ACCESS_TOKEN = 'logout-spec-initial-access-token';

/** The test users (`x-test-user`), plus the host's end-of-session hook, which clears a cookie. */
function loggingOutResourceOwner(ended: { subject: string }[]): ResourceOwnerProvider {
  return {
    getSignedInUser: (request) => {
      const id = (request as { headers: Record<string, string> }).headers['x-test-user'];
      return TEST_USERS[id] ? { ...TEST_USERS[id], authTime: Math.floor(Date.now() / 1000) } : null;
    },
    findById: (id) => TEST_USERS[id] ?? null,
    getClaims: () => ({}),
    endSession: (_request, response, user) => {
      ended.push({ subject: user.id });
      const cookie = 'host_session=; Path=/; Max-Age=0';
      const reply = response as {
        header?: (name: string, value: string) => void;
        appendHeader?: (name: string, value: string) => void;
        raw?: unknown;
      };
      if (reply.raw) reply.header!('set-cookie', cookie);
      else reply.appendHeader!('Set-Cookie', cookie);
    },
  };
}

async function until<T>(find: () => T | undefined, what: string, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const found = find();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The confirmation page's form: its action, CSRF token and hidden fields. */
function logoutForm(page: Page): { action: string; fields: Record<string, string> } {
  expect(page.status).toBe(200);
  expect(page.text).toContain('<button type="submit">Sign out</button>');
  const action = /<form method="post" action="([^"]+)"/.exec(page.text)![1];
  const fields: Record<string, string> = {};
  for (const [, name, value] of page.text.matchAll(
    /<input type="hidden" name="([^"]+)" value="([^"]*)">/g,
  )) {
    fields[name] = value.replace(/&#38;/g, '&');
  }
  return { action, fields };
}

describe.each(TEST_TARGETS)('OpenID Connect logout (%s)', (target) => {
  let server: TestApp;
  let receiver: Receiver;
  let as: oauth.AuthorizationServer;
  const ended: { subject: string }[] = [];
  const events: OAuthEvent[] = [];

  beforeAll(async () => {
    receiver = await startReceiver();
    server = await startTestApp(target, {
      resourceOwner: loggingOutResourceOwner(ended),
      logout: { enabled: true, backchannelTimeout: 1, backchannelRetries: 1 },
      registration: { enabled: true, initialAccessToken: INITIAL_ACCESS_TOKEN },
    });
    server.app.get(OAuthEvents).events$.subscribe((event) => events.push(event));
    const issuer = new URL(server.url);
    as = await oauth.processDiscoveryResponse(
      issuer,
      await oauth.discoveryRequest(issuer, { ...INSECURE, algorithm: 'oidc' }),
    );
  });
  afterAll(async () => {
    await server?.close();
    await receiver?.close();
  });

  /** A confidential client of the code flow, told of logouts at `/bc/<name>` of the receiver. */
  async function logoutClient(name: string, extra: object = {}): Promise<TestClient> {
    return registerClient(server, {
      name,
      grantTypes: ['authorization_code', 'refresh_token'],
      redirectUris: [REDIRECT_URI],
      postLogoutRedirectUris: [SIGNED_OUT_URI],
      backchannelLogoutUri: `${receiver.url}/bc/${name}`,
      ...extra,
    });
  }

  /** The code flow for alice through oauth4webapi: its validated token response. */
  async function signInWith(client: TestClient, scope: string, browser?: TestBrowser) {
    const { code, verifier } = await obtainCode(server, { client, scope, nonce: 'n-1' }, browser);
    const rp: oauth.Client = { client_id: client.clientId };
    const callback = new URL(`${REDIRECT_URI}?code=${code}&iss=${encodeURIComponent(server.url)}`);
    const params = oauth.validateAuthResponse(as, rp, callback, oauth.expectNoState);
    const response = await oauth.authorizationCodeGrantRequest(
      as,
      rp,
      oauth.ClientSecretBasic(client.clientSecret!),
      params,
      REDIRECT_URI,
      verifier!,
      INSECURE,
    );
    return oauth.processAuthorizationCodeResponse(as, rp, response, {
      expectedNonce: 'n-1',
      requireIdToken: true,
    });
  }

  function endSessionUrl(params: Record<string, string>): string {
    const url = new URL(as.end_session_endpoint!);
    for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
    return url.href;
  }

  it('advertises the end-session endpoint and back-channel logout (sub only, no sid)', async () => {
    expect(as.end_session_endpoint).toBe(`${server.url}${OAUTH_PATHS.endSession}`);
    for (const path of [
      '/.well-known/openid-configuration',
      '/.well-known/oauth-authorization-server',
    ]) {
      const metadata = await (await fetch(`${server.url}${path}`)).json();
      expect(metadata).toMatchObject({
        end_session_endpoint: `${server.url}/oauth/end_session`,
        backchannel_logout_supported: true,
        backchannel_logout_session_supported: false,
      });
    }
  });

  it('signs the user out with confirmation, redirects with state and tells every client by the back channel', async () => {
    const web = await logoutClient('web');
    const offline = await logoutClient('offline');
    const browser = new TestBrowser(server, 'user-alice');
    const online = await signInWith(web, 'openid accounts:read', browser);
    const kept = await signInWith(offline, 'openid offline_access accounts:read', browser);
    const idToken = online.id_token!;
    const subject = oauth.getValidatedIdTokenClaims(online)!.sub;
    ended.length = 0;
    const before = receiver.received.length;

    const confirm = await browser.get(
      endSessionUrl({
        id_token_hint: idToken,
        post_logout_redirect_uri: SIGNED_OUT_URI,
        state: 'st&te 1',
        ui_locales: 'de en',
      }),
    );
    expectPageSecurityHeaders(confirm);
    expect(confirm.text).toContain('<strong>web</strong> asks to sign you out');
    expect(confirm.text).toContain('Signed in as alice');
    // Nothing happened yet: the page asks.
    expect(ended).toEqual([]);
    const { action, fields } = logoutForm(confirm);
    expect(fields).toEqual({
      csrf_token: expect.any(String),
      client_id: web.clientId,
      post_logout_redirect_uri: SIGNED_OUT_URI,
      state: 'st&te 1',
    });

    const done = await browser.post(action, fields);
    expect(done.status).toBe(303);
    const location = new URL(done.location!);
    expect(`${location.origin}${location.pathname}`).toBe(SIGNED_OUT_URI);
    expect(location.searchParams.get('state')).toBe('st&te 1');
    expect(ended).toEqual([{ subject }]);
    // The host's hook added its cookie change to the module's answer.
    expect(done.headers.getSetCookie()).toContain('host_session=; Path=/; Max-Age=0');
    expect(events).toContainEqual({ type: 'session.ended', subject, clientId: web.clientId });

    // Both clients are told, each with its own logout token (Back-Channel Logout §2.4-2.5).
    const jwks = createRemoteJWKSet(new URL(as.jwks_uri!));
    const deliveries = await until(() => {
      const mine = receiver.received.slice(before);
      return mine.length >= 2 ? mine : undefined;
    }, 'two logout tokens');
    expect(deliveries.map((d) => d.path).sort()).toEqual(['/bc/offline', '/bc/web']);
    for (const delivery of deliveries) {
      const clientId = delivery.path === '/bc/web' ? web.clientId : offline.clientId;
      expect(delivery.contentType).toBe('application/x-www-form-urlencoded');
      expect([...delivery.body.keys()]).toEqual(['logout_token']);
      const token = delivery.body.get('logout_token')!;
      expect(decodeProtectedHeader(token).typ).toBe('logout+jwt');
      const { payload } = await jwtVerify(token, jwks, {
        issuer: server.url,
        audience: clientId,
        typ: 'logout+jwt',
        algorithms: [as.id_token_signing_alg_values_supported![0]],
      });
      expect(payload).toEqual({
        iss: server.url,
        aud: clientId,
        sub: subject,
        iat: expect.any(Number),
        exp: expect.any(Number),
        jti: expect.stringMatching(/^[0-9a-f-]{36}$/),
        events: { [BACKCHANNEL_LOGOUT_EVENT]: {} },
      });
      expect(payload.exp! - payload.iat!).toBeLessThanOrEqual(120);
      expect(payload).not.toHaveProperty('nonce');
    }
    await until(
      () =>
        events.filter((e) => e.type === 'backchannel_logout.delivered' && e.subject === subject)
          .length >= 2
          ? true
          : undefined,
      'delivered events',
    );

    // §2.7: the online authorization is revoked, the offline_access one is kept.
    const userinfo = (accessToken: string) =>
      fetch(as.userinfo_endpoint!, { headers: { authorization: `Bearer ${accessToken}` } });
    expect((await userinfo(online.access_token)).status).toBe(401);
    expect((await userinfo(kept.access_token)).status).toBe(200);
    const refreshed = await oauth.refreshTokenGrantRequest(
      as,
      { client_id: offline.clientId },
      oauth.ClientSecretBasic(offline.clientSecret!),
      kept.refresh_token!,
      INSECURE,
    );
    expect(refreshed.status).toBe(200);
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'token.revoked', reason: 'logout', clientId: web.clientId }),
    );
  });

  it('accepts a form POST from the client and an expired id_token_hint', async () => {
    const web = await logoutClient('posted');
    const browser = new TestBrowser(server, 'user-alice');
    // An id_token of ours that expired an hour ago: still a valid hint (§2).
    const ring = server.app.get(KeyRing);
    const key = ring.signingKey(as.id_token_signing_alg_values_supported![0]);
    const past = Math.floor(Date.now() / 1000) - 7200;
    const expired = await signCompactJws(
      { alg: key.alg, kid: key.kid, typ: 'JWT' },
      { iss: server.url, sub: 'user-alice', aud: web.clientId, iat: past, exp: past + 3600 },
      key,
    );
    const confirm = await browser.post(OAUTH_PATHS.endSession, {
      id_token_hint: expired,
      post_logout_redirect_uri: SIGNED_OUT_URI,
      state: 'posted',
    });
    const { action, fields } = logoutForm(confirm);
    expect(fields.client_id).toBe(web.clientId);
    const done = await browser.post(action, fields);
    expect(done.location).toBe(`${SIGNED_OUT_URI}?state=posted`);
  });

  it('never redirects to a post_logout_redirect_uri the client did not register', async () => {
    const web = await logoutClient('strict');
    const browser = new TestBrowser(server, 'user-alice');
    for (const uri of [
      'https://evil.example/',
      `${SIGNED_OUT_URI}/`,
      `${SIGNED_OUT_URI}?x=1`,
      REDIRECT_URI, // a redirect_uri is not a post-logout one
    ]) {
      const confirm = await browser.get(
        endSessionUrl({ client_id: web.clientId, post_logout_redirect_uri: uri, state: 's' }),
      );
      const { action, fields } = logoutForm(confirm);
      expect(fields).toEqual({ csrf_token: expect.any(String), client_id: web.clientId });
      // Even a forged form field is checked again against the registration.
      const done = await browser.post(action, { ...fields, post_logout_redirect_uri: uri });
      expect({ status: done.status, location: done.location }).toEqual({
        status: 200,
        location: null,
      });
      expect(done.text).toContain('You are signed out');
    }
    // Without client_id or id_token_hint no client is known: no redirect either.
    const anonymous = await browser.get(
      endSessionUrl({ post_logout_redirect_uri: SIGNED_OUT_URI }),
    );
    expect(logoutForm(anonymous).fields).toEqual({ csrf_token: expect.any(String) });
  });

  it('escapes what clients and users registered on the confirmation page', async () => {
    const client = await registerClient(server, {
      name: '<b>x</b>"',
      redirectUris: [REDIRECT_URI],
      postLogoutRedirectUris: [SIGNED_OUT_URI],
    });
    const page = await new TestBrowser(server, 'user-alice').get(
      endSessionUrl({ client_id: client.clientId, state: '"><script>' }),
    );
    expect(page.text).toContain(
      '<strong>&#60;b&#62;x&#60;/b&#62;&#34;</strong> asks to sign you out',
    );
    expect(page.text).not.toContain('<b>x</b>');
    expect(page.text).not.toContain('<script>');
  });

  it('redirects at once (with state) when nobody is signed in', async () => {
    const web = await logoutClient('anonymous');
    const before = ended.length;
    const page = await new TestBrowser(server).get(
      endSessionUrl({
        client_id: web.clientId,
        post_logout_redirect_uri: SIGNED_OUT_URI,
        state: 'x',
      }),
    );
    expect(page.status).toBe(303);
    expect(page.location).toBe(`${SIGNED_OUT_URI}?state=x`);
    expect(ended.length).toBe(before);
    const plain = await new TestBrowser(server).get(OAUTH_PATHS.endSession);
    expect(plain.status).toBe(200);
    expect(plain.text).toContain('You are signed out');
    expectPageSecurityHeaders(plain);
  });

  it('refuses the confirmation without this browser’s CSRF token', async () => {
    const browser = new TestBrowser(server, 'user-alice');
    const { action, fields } = logoutForm(await browser.get(OAUTH_PATHS.endSession));
    const before = ended.length;
    const other = new TestBrowser(server, 'user-alice');
    expectErrorPage(await other.post(action, fields));
    expectErrorPage(await browser.post(action, { ...fields, csrf_token: 'forged' }));
    expectErrorPage(await browser.post(action, { client_id: 'x' }));
    expect(ended.length).toBe(before);
  });

  it.each([
    ['a malformed id_token_hint', { id_token_hint: 'not-a-jwt' }],
    [
      'an id_token_hint signed by someone else',
      { id_token_hint: 'eyJhbGciOiJSUzI1NiIsImtpZCI6Im5vIn0.eyJzdWIiOiJ4In0.c2ln' },
    ],
    ['an unknown client_id', { client_id: 'no-such-client' }],
    ['a repeated parameter', { state: ['a', 'b'] }],
    ['a client_id with a NUL', { client_id: 'web\u0000' }],
    ['an id_token_hint with control characters', { id_token_hint: 'a.\u0001.b' }],
    ['a long id_token_hint', { id_token_hint: `${'a'.repeat(4000)}.b.c` }],
    ['a state too long to echo in a redirect', { state: '中'.repeat(1000) }],
  ])('shows an error page (400, never a redirect) for %s', async (_, params) => {
    const browser = new TestBrowser(server, 'user-alice');
    const query = new URLSearchParams();
    for (const [name, value] of Object.entries(params))
      for (const item of [value].flat()) query.append(name, item);
    query.append('post_logout_redirect_uri', SIGNED_OUT_URI);
    expectErrorPage(await browser.get(`${OAUTH_PATHS.endSession}?${query}`));
    expectErrorPage(
      await browser.post(OAUTH_PATHS.endSession, {
        ...params,
        post_logout_redirect_uri: SIGNED_OUT_URI,
      }),
    );
  });

  it('refuses an access token as id_token_hint, and a client_id the hint was not issued to', async () => {
    const web = await logoutClient('mismatch');
    const other = await logoutClient('other');
    const browser = new TestBrowser(server, 'user-alice');
    const tokens = await signInWith(web, 'openid accounts:read', browser);
    expectErrorPage(await browser.get(endSessionUrl({ id_token_hint: tokens.access_token })));
    expectErrorPage(
      await browser.get(
        endSessionUrl({ id_token_hint: tokens.id_token!, client_id: other.clientId }),
      ),
    );
    const confirm = await browser.get(
      endSessionUrl({ id_token_hint: tokens.id_token!, client_id: web.clientId }),
    );
    expect(logoutForm(confirm).fields.client_id).toBe(web.clientId);
  });

  it('retries a failed logout token POST, and gives up after logout.backchannelRetries', async () => {
    const flaky = await logoutClient('flaky');
    const down = await logoutClient('down');
    const moved = await logoutClient('moved');
    receiver.answers.set('/bc/flaky', [500]);
    receiver.answers.set('/bc/down', ['hang', 503]);
    receiver.answers.set('/bc/moved', [302, 302]);
    const browser = new TestBrowser(server, 'user-bob');
    for (const client of [flaky, down, moved]) await signInWith(client, 'openid', browser);
    const before = receiver.received.length;
    const { action, fields } = logoutForm(await browser.get(OAUTH_PATHS.endSession));
    const started = Date.now();
    const done = await browser.post(action, fields);
    // The user's answer never waits for the clients (one of them never answers).
    expect(done.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(900);

    const outcome = (clientId: string) =>
      events.filter(
        (e) =>
          (e.type === 'backchannel_logout.delivered' || e.type === 'backchannel_logout.failed') &&
          e.clientId === clientId,
      );
    await until(() => (outcome(flaky.clientId).length === 2 ? true : undefined), 'flaky');
    expect(outcome(flaky.clientId)).toEqual([
      {
        type: 'backchannel_logout.failed',
        clientId: flaky.clientId,
        subject: 'user-bob',
        attempt: 1,
        reason: 'HTTP 500',
        willRetry: true,
      },
      {
        type: 'backchannel_logout.delivered',
        clientId: flaky.clientId,
        subject: 'user-bob',
        attempt: 2,
      },
    ]);
    await until(() => (outcome(down.clientId).length === 2 ? true : undefined), 'down');
    expect(outcome(down.clientId)).toEqual([
      expect.objectContaining({ attempt: 1, reason: 'timeout', willRetry: true }),
      expect.objectContaining({ attempt: 2, reason: 'HTTP 503', willRetry: false }),
    ]);
    await until(() => (outcome(moved.clientId).length === 2 ? true : undefined), 'moved');
    expect(outcome(moved.clientId)).toEqual([
      expect.objectContaining({ attempt: 1, reason: 'HTTP 302', willRetry: true }),
      expect.objectContaining({ attempt: 2, reason: 'HTTP 302', willRetry: false }),
    ]);
    // The same logout token each time (one jti), and redirects are never followed.
    const mine = receiver.received.slice(before);
    const flakyTokens = mine
      .filter((d) => d.path === '/bc/flaky')
      .map((d) => d.body.get('logout_token'));
    expect(flakyTokens).toHaveLength(2);
    expect(flakyTokens[0]).toBe(flakyTokens[1]);
    expect(mine.some((d) => d.path === '/elsewhere')).toBe(false);
  });

  describe('client metadata', () => {
    const register = (body: object) =>
      fetch(`${server.url}${OAUTH_PATHS.registration}`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${INITIAL_ACCESS_TOKEN}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ client_name: 'RP', redirect_uris: [REDIRECT_URI], ...body }),
      });

    it('registers post_logout_redirect_uris and backchannel_logout_uri (RFC 7591)', async () => {
      const response = await register({
        post_logout_redirect_uris: [SIGNED_OUT_URI],
        backchannel_logout_uri: 'https://app.example/backchannel?tenant=1',
        backchannel_logout_session_required: false,
      });
      expect(response.status).toBe(201);
      expect(await response.json()).toMatchObject({
        post_logout_redirect_uris: [SIGNED_OUT_URI],
        backchannel_logout_uri: 'https://app.example/backchannel?tenant=1',
        backchannel_logout_session_required: false,
      });
    });

    it.each([
      [{ backchannel_logout_uri: 'http://app.example/bc' }, /https/],
      [{ backchannel_logout_uri: 'https://app.example/bc#frag' }, /fragment/],
      [{ backchannel_logout_uri: 'com.example.app:/bc' }, /custom scheme/],
      [{ backchannel_logout_uri: 42 }, /string/],
      [{ backchannel_logout_session_required: true }, /sid/],
      [{ post_logout_redirect_uris: 'https://app.example/out' }, /list/],
      [{ post_logout_redirect_uris: ['https://app.example/*'] }, /wildcard/],
      [{ post_logout_redirect_uris: ['javascript:alert(1)'] }, /./],
    ])('refuses %j', async (metadata, description) => {
      const response = await register(metadata);
      expect(response.status).toBe(400);
      const body = await response.json();
      expect(['invalid_client_metadata', 'invalid_redirect_uri']).toContain(body.error);
      expect(body.error_description).toMatch(description);
    });
  });
});

describeOn('sqlite')('logout options (%s)', (target) => {
  it('serves nothing and advertises nothing while logout is off', async () => {
    const server = await startTestApp(target);
    try {
      const metadata = await (await fetch(`${server.url}/.well-known/openid-configuration`)).json();
      expect(metadata).not.toHaveProperty('end_session_endpoint');
      expect(metadata).not.toHaveProperty('backchannel_logout_supported');
      const browser = new TestBrowser(server, 'user-alice');
      expect((await browser.get(OAUTH_PATHS.endSession)).status).toBe(404);
      expect((await browser.post(`${OAUTH_PATHS.endSession}/confirm`, {})).status).toBe(404);
    } finally {
      await server.close();
    }
  });

  it('with confirm: false, signs out at once on a valid id_token_hint of the signed-in user only', async () => {
    const ended: { subject: string }[] = [];
    const server = await startTestApp(target, {
      resourceOwner: loggingOutResourceOwner(ended),
      logout: { enabled: true, confirm: false },
    });
    try {
      const client = await registerClient(server, {
        name: 'Quiet',
        grantTypes: ['authorization_code'],
        redirectUris: [REDIRECT_URI],
        postLogoutRedirectUris: [SIGNED_OUT_URI],
      });
      const ring = server.app.get(KeyRing);
      const key = ring.signingKey('RS256');
      const now = Math.floor(Date.now() / 1000);
      const hintFor = (sub: string) =>
        signCompactJws(
          { alg: key.alg, kid: key.kid, typ: 'JWT' },
          { iss: server.url, sub, aud: client.clientId, iat: now, exp: now + 60 },
          key,
        );
      const browser = new TestBrowser(server, 'user-alice');
      const path = (hint?: string) =>
        `${OAUTH_PATHS.endSession}?${new URLSearchParams({
          client_id: client.clientId,
          post_logout_redirect_uri: SIGNED_OUT_URI,
          ...(hint ? { id_token_hint: hint } : {}),
        })}`;
      // No hint, or a hint for someone else: the user is still asked.
      logoutForm(await browser.get(path()));
      logoutForm(await browser.get(path(await hintFor('user-bob'))));
      expect(ended).toEqual([]);
      const page = await browser.get(path(await hintFor('user-alice')));
      expect(page.status).toBe(303);
      expect(page.location).toBe(SIGNED_OUT_URI);
      expect(ended).toEqual([{ subject: 'user-alice' }]);
    } finally {
      await server.close();
    }
  });

  it('with revokeTokens: none, keeps the tokens; stopping the app drops the retries still waiting', async () => {
    const receiver = await startReceiver();
    const server = await startTestApp(target, {
      resourceOwner: loggingOutResourceOwner([]),
      logout: { enabled: true, revokeTokens: 'none', backchannelTimeout: 1, backchannelRetries: 5 },
    });
    let closed = false;
    try {
      const events: OAuthEvent[] = [];
      server.app.get(OAuthEvents).events$.subscribe((event) => events.push(event));
      const client = await registerClient(server, {
        name: 'Kept',
        grantTypes: ['authorization_code'],
        redirectUris: [REDIRECT_URI],
        backchannelLogoutUri: `${receiver.url}/bc/kept`,
      });
      receiver.answers.set('/bc/kept', [500, 500, 500, 500, 500, 500]);
      const browser = new TestBrowser(server, 'user-alice');
      const { code, verifier } = await obtainCode(server, { client, scope: 'openid' }, browser);
      const tokens = await exchangeCode(server, client, {
        code,
        code_verifier: verifier,
        redirect_uri: REDIRECT_URI,
      });
      expect(tokens.status).toBe(200);
      const { action, fields } = logoutForm(await browser.get(OAUTH_PATHS.endSession));
      expect((await browser.post(action, fields)).status).toBe(200);
      const userinfo = await fetch(`${server.url}${OAUTH_PATHS.userinfo}`, {
        headers: { authorization: `Bearer ${tokens.body.access_token}` },
      });
      expect(userinfo.status).toBe(200);
      expect(events.some((e) => e.type === 'token.revoked')).toBe(false);

      await until(
        () => (events.some((e) => e.type === 'backchannel_logout.failed') ? true : undefined),
        'the first failed attempt',
      );
      const started = Date.now();
      await server.close();
      closed = true;
      expect(Date.now() - started).toBeLessThan(3000);
      const hits = receiver.received.length;
      await new Promise((resolve) => setTimeout(resolve, 1500));
      // The retry that was waiting (1 s after the first failure) never ran after the app stopped.
      expect(receiver.received.length).toBe(hits);
    } finally {
      if (!closed) await server.close();
      await receiver.close();
    }
  });
});
