// GET/POST /oauth/authorize: what is checked before anything else (client_id, redirect_uri: an
// error page, never a redirect), then errors sent to the client with state and iss (RFC 9207),
// PKCE rules (RFC 7636, RFC 9700) and the security headers of the pages the module serves.
import { OAUTH_PATHS } from '../../src';
import {
  authorizePath,
  codeRequest,
  expectErrorPage,
  expectLoginRedirect,
  expectPageSecurityHeaders,
  expectRedirectError,
  isConsentPage,
  REDIRECT_URI,
  TestBrowser,
} from '../support/authorize-helpers';
import { describeOn, TEST_TARGETS } from '../support/targets';
import { startTestApp, TestApp } from '../support/test-app';
import {
  pkcePair,
  queryRows,
  registerClient,
  registerCodeClient,
  TestClient,
} from '../support/token-helpers';

const LOOPBACK_PORT = 49152;
const LOOPBACK_URI = `http://127.0.0.1:${LOOPBACK_PORT}/cb`;
const SECOND_URI = 'https://app.example/other-cb';

describe.each(TEST_TARGETS)('authorization request (%s)', (target) => {
  let server: TestApp;
  let client: TestClient; // confidential, one redirect URI
  let publicClient: TestClient;
  let nativeClient: TestClient; // public, loopback redirect URI
  let twoUris: TestClient;
  let serviceClient: TestClient; // not registered for authorization_code

  beforeAll(async () => {
    server = await startTestApp(target);
    client = await registerCodeClient(server);
    publicClient = await registerCodeClient(server, {
      name: 'SPA',
      tokenEndpointAuthMethod: 'none',
      grantTypes: ['authorization_code'],
    });
    nativeClient = await registerCodeClient(server, {
      name: 'Native app',
      tokenEndpointAuthMethod: 'none',
      grantTypes: ['authorization_code'],
      redirectUris: [LOOPBACK_URI],
    });
    twoUris = await registerCodeClient(server, {
      name: 'Two URIs',
      redirectUris: [REDIRECT_URI, SECOND_URI],
    });
    serviceClient = await registerClient(server, {
      name: 'Service',
      grantTypes: ['client_credentials'],
      redirectUris: [REDIRECT_URI],
      scopes: ['accounts:read'],
    });
  });
  afterAll(() => server.close());

  const anonymous = () => new TestBrowser(server);
  /** A request that passes every check (anonymous: it ends at the sign-in redirect). */
  const valid = (of: TestClient = client, extra: Record<string, string | undefined> = {}) =>
    codeRequest({ client: of, extra }).params;

  describe('client_id and redirect_uri: error page, never a redirect', () => {
    it('a valid request goes on to sign-in (the baseline of the cases below)', async () => {
      expectLoginRedirect(await anonymous().authorize(valid()), server);
    });

    it.each([
      ['missing', undefined],
      ['unknown', 'no-such-client'],
      ['overlong', 'x'.repeat(300)],
    ])('%s client_id -> 400 error page', async (_, clientId) => {
      const page = await anonymous().authorize({ ...valid(), client_id: clientId });
      expectErrorPage(page);
      expect(page.text).toContain('Unknown application');
    });

    it('unknown client_id with a prompt=none request still shows the page (no redirect to an unverified URI)', async () => {
      const page = await anonymous().authorize({
        ...valid(),
        client_id: 'no-such-client',
        prompt: 'none',
      });
      expectErrorPage(page);
    });

    // Registered: https://app.example/cb. Matching is exact string comparison (RFC 9700 §4.1.3).
    it.each([
      ['an extra path segment', 'https://app.example/cb/extra'],
      ['an extra query', 'https://app.example/cb?next=1'],
      ['a different port on a non-loopback host', 'https://app.example:8443/cb'],
      ['the default port spelled out (not the same string)', 'https://app.example:443/cb'],
      ['a fragment', 'https://app.example/cb#fragment'],
      ['an empty fragment', 'https://app.example/cb#'],
      ['scheme change https -> http', 'http://app.example/cb'],
      ['a trailing slash', 'https://app.example/cb/'],
      // Exact match: a host differing only in case is refused too (it is not the registered string).
      ['a host in a different case', 'https://APP.example/cb'],
      ['a path in a different case', 'https://app.example/CB'],
      ['a percent-encoded path', 'https://app.example/%63b'],
      ['a dot segment', 'https://app.example/x/../cb'],
      ['a longer host', 'https://app.example.evil.example/cb'],
      ['userinfo before another host', 'https://app.example@evil.example/cb'],
      ['another host', 'https://evil.example/cb'],
      ['a relative URI', '/cb'],
      ['not a URI', 'not a uri'],
    ])('redirect_uri with %s -> error page', async (_, redirectUri) => {
      const page = await anonymous().authorize({ ...valid(), redirect_uri: redirectUri });
      expectErrorPage(page);
      expect(page.text).toContain('Invalid redirect URI');
    });

    it('a wrong redirect_uri is refused even when the rest of the request is wrong too (never a redirect)', async () => {
      const page = await anonymous().authorize({
        client_id: client.clientId,
        redirect_uri: 'https://evil.example/cb',
        response_type: 'token',
        state: 'x',
      });
      expectErrorPage(page);
    });

    it('a state too long to echo gets an error page, whatever else is wrong (never a huge redirect)', async () => {
      // 1,000 characters of 3 UTF-8 bytes: 9 KB once percent-encoded into a Location header.
      const page = await anonymous().authorize({
        ...valid(),
        response_mode: 'fragment',
        state: '中'.repeat(1000),
      });
      expectErrorPage(page);
      expect(page.text).toContain('state parameter that is too long');
      const echoed = await anonymous().authorize({ ...valid(), state: '中'.repeat(682) });
      expect(echoed.status).toBe(303);
    });

    it('a signed-in user is not redirected to an unregistered URI either', async () => {
      const page = await new TestBrowser(server, 'user-alice').authorize({
        ...valid(),
        redirect_uri: 'https://app.example/cb?x',
      });
      expectErrorPage(page);
    });

    it('loopback http URI: another port is accepted (RFC 8252 §7.3) and the response goes to that port', async () => {
      const other = `http://127.0.0.1:${LOOPBACK_PORT + 7}/cb`;
      const params = codeRequest({
        client: nativeClient,
        redirectUri: other,
        extra: { prompt: 'none' },
      }).params;
      const page = await anonymous().authorize(params);
      expectRedirectError(page, server, 'login_required', { redirectUri: other });
      expect(new URL(page.location!).port).toBe(String(LOOPBACK_PORT + 7));
    });

    it('loopback http URI: the registered port itself is accepted', async () => {
      const params = codeRequest({ client: nativeClient, redirectUri: LOOPBACK_URI }).params;
      expectLoginRedirect(await anonymous().authorize(params), server);
    });

    it.each([
      ['another path', `http://127.0.0.1:${LOOPBACK_PORT + 7}/other`],
      ['an extra query', `http://127.0.0.1:${LOOPBACK_PORT + 7}/cb?x=1`],
      ['another loopback name', `http://localhost:${LOOPBACK_PORT}/cb`],
      ['https instead of http', `https://127.0.0.1:${LOOPBACK_PORT}/cb`],
      ['a fragment', `http://127.0.0.1:${LOOPBACK_PORT + 7}/cb#x`],
    ])('loopback http URI with %s -> error page', async (_, redirectUri) => {
      const params = codeRequest({ client: nativeClient, redirectUri }).params;
      expectErrorPage(await anonymous().authorize(params));
    });

    it('omitted redirect_uri with exactly one registered: the registered one is used', async () => {
      const params = { ...valid(), redirect_uri: undefined, prompt: 'none' };
      expectRedirectError(await anonymous().authorize(params), server, 'login_required');
    });

    it('omitted redirect_uri with two registered -> error page', async () => {
      const params = { ...valid(twoUris), redirect_uri: undefined, prompt: 'none' };
      expectErrorPage(await anonymous().authorize(params));
    });

    it('either of two registered URIs is accepted', async () => {
      const params = { ...valid(twoUris), redirect_uri: SECOND_URI, prompt: 'none' };
      expectRedirectError(await anonymous().authorize(params), server, 'login_required', {
        redirectUri: SECOND_URI,
      });
    });

    it('a duplicated parameter -> error page (RFC 6749 §3.1), even a duplicated state', async () => {
      const base = authorizePath(valid());
      expectErrorPage(await anonymous().get(`${base}&state=second`));
      expectErrorPage(
        await anonymous().get(`${base}&client_id=${encodeURIComponent(client.clientId)}`),
      );
      expectErrorPage(
        await anonymous().get(`${base}&redirect_uri=${encodeURIComponent(REDIRECT_URI)}`),
      );
    });

    it('bracket syntax (client_id[x]=) -> error page', async () => {
      const path = authorizePath({ ...valid(), client_id: undefined });
      expectErrorPage(
        await anonymous().get(`${path}&client_id[x]=${encodeURIComponent(client.clientId)}`),
      );
    });
  });

  describe('errors sent to the client with state and iss', () => {
    it('missing response_type -> invalid_request', async () => {
      const page = await anonymous().authorize({ ...valid(), response_type: undefined });
      expectRedirectError(page, server, 'invalid_request');
    });

    it.each(['token', 'id_token', 'code id_token', 'code token', 'none', 'CODE'])(
      'response_type=%s -> unsupported_response_type',
      async (responseType) => {
        const page = await anonymous().authorize({ ...valid(), response_type: responseType });
        expectRedirectError(page, server, 'unsupported_response_type');
      },
    );

    it('without state the error carries no state, still iss', async () => {
      const page = await anonymous().authorize({
        ...valid(),
        response_type: 'token',
        state: undefined,
      });
      expectRedirectError(page, server, 'unsupported_response_type', { state: null });
    });

    it('a state with special characters comes back unchanged', async () => {
      const state = 'a b&c=d/é?#"<>';
      const page = await anonymous().authorize({ ...valid(), response_type: 'token', state });
      expectRedirectError(page, server, 'unsupported_response_type', { state });
    });

    it('client not registered for authorization_code -> unauthorized_client', async () => {
      const page = await anonymous().authorize({
        ...valid(serviceClient),
        code_challenge: pkcePair().challenge,
      });
      expectRedirectError(page, server, 'unauthorized_client');
    });

    it.each([
      ['an unknown scope', 'accounts:read no-such-scope'],
      ['a scope the client may not have', 'email'],
      ['an empty scope', ' '],
    ])('%s -> invalid_scope', async (_, scope) => {
      const page = await anonymous().authorize({ ...valid(), scope });
      expectRedirectError(page, server, 'invalid_scope');
    });

    it.each([
      ['prompt=none with another value', { prompt: 'none login' }],
      ['an unknown prompt value', { prompt: 'bogus' }],
      ['a non-numeric max_age', { max_age: 'soon' }],
      ['response_mode=fragment', { response_mode: 'fragment' }],
    ])('%s -> invalid_request', async (_, extra) => {
      const page = await anonymous().authorize({ ...valid(), ...extra });
      expectRedirectError(page, server, 'invalid_request');
    });

    it.each([
      ['request', 'request_not_supported'],
      ['request_uri', 'request_uri_not_supported'],
    ])('%s -> %s', async (name, error) => {
      const page = await anonymous().authorize({ ...valid(), [name]: 'eyJhbGciOiJub25lIn0.e30.' });
      expectRedirectError(page, server, error);
    });
  });

  describe('PKCE', () => {
    const PLAIN_VERIFIER = 'p'.repeat(43);

    it('public client without code_challenge -> invalid_request', async () => {
      const params = codeRequest({ client: publicClient, pkce: false }).params;
      expectRedirectError(await anonymous().authorize(params), server, 'invalid_request');
    });

    it('public client with S256 -> goes on to sign-in', async () => {
      expectLoginRedirect(
        await anonymous().authorize(codeRequest({ client: publicClient }).params),
        server,
      );
    });

    it('confidential client without code_challenge -> invalid_request by default', async () => {
      const params = codeRequest({ client, pkce: false }).params;
      expectRedirectError(await anonymous().authorize(params), server, 'invalid_request');
    });

    it('code_challenge_method=plain -> refused by default', async () => {
      const params = { ...valid(), code_challenge: PLAIN_VERIFIER, code_challenge_method: 'plain' };
      const error = expectRedirectError(
        await anonymous().authorize(params),
        server,
        'invalid_request',
      );
      expect(error.get('error_description')).toMatch(/S256/);
    });

    it('code_challenge without a method (defaults to plain) -> refused', async () => {
      const params = {
        ...valid(),
        code_challenge: PLAIN_VERIFIER,
        code_challenge_method: undefined,
      };
      expectRedirectError(await anonymous().authorize(params), server, 'invalid_request');
    });

    it('a method without a challenge -> refused', async () => {
      const params = { ...valid(), code_challenge: undefined, code_challenge_method: 'S256' };
      expectRedirectError(await anonymous().authorize(params), server, 'invalid_request');
    });

    it.each([
      ['too short', 'a'.repeat(42)],
      ['too long', 'a'.repeat(44)],
      ['standard base64 characters', `${'a'.repeat(41)}+/`],
      ['padding', `${'a'.repeat(42)}=`],
    ])('malformed S256 challenge (%s) -> refused', async (_, challenge) => {
      const params = { ...valid(), code_challenge: challenge, code_challenge_method: 'S256' };
      expectRedirectError(await anonymous().authorize(params), server, 'invalid_request');
    });

    it.each(['s256', 'S512', 'SHA256'])('unknown method %s -> refused', async (method) => {
      const params = { ...valid(), code_challenge_method: method };
      expectRedirectError(await anonymous().authorize(params), server, 'invalid_request');
    });
  });

  describe('security headers', () => {
    it('on the consent page', async () => {
      const browser = new TestBrowser(server, 'user-bob');
      const page = await browser.authorize(valid());
      expect(isConsentPage(page)).toBe(true);
      expectPageSecurityHeaders(page);
      expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    });

    it('on the error page', async () => {
      const page = await anonymous().authorize({ ...valid(), client_id: 'nope' });
      expectErrorPage(page);
      expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    });

    it('on the error page of an unknown interaction', async () => {
      const page = await anonymous().get(`${OAUTH_PATHS.authorize}/interaction/does-not-exist`);
      expectErrorPage(page);
    });

    it('redirects are not cached and send no referrer', async () => {
      const page = await anonymous().authorize(valid());
      expect(page.headers.get('cache-control')).toBe('no-store');
      expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    });

    it('escapes the client name on the consent page', async () => {
      // Registration refuses markup in a website; a row written before that rule (or by hand)
      // is still escaped.
      await expect(
        registerCodeClient(server, { name: 'x', website: 'https://evil.example/"><b>' }),
      ).rejects.toMatchObject({ code: 'invalid_client_metadata' });
      const evil = await registerCodeClient(server, { name: '<script>alert(1)</script>' });
      await queryRows(server, 'UPDATE oauth_clients SET website = ? WHERE client_id = ?', [
        'https://evil.example/"><b>',
        evil.clientId,
      ]);
      const page = await new TestBrowser(server, 'user-bob').authorize(valid(evil));
      expect(isConsentPage(page)).toBe(true);
      expect(page.text).not.toContain('<script>alert(1)</script>');
      expect(page.text).not.toContain('"><b>');
      expect(page.text).toContain('&#60;script&#62;alert(1)&#60;/script&#62;');
    });
  });

  describe('POST /oauth/authorize (OIDC Core §3.1.2.1)', () => {
    it('a form POST is handled like GET: anonymous -> sign-in', async () => {
      const page = await anonymous().post(OAUTH_PATHS.authorize, valid() as Record<string, string>);
      expectLoginRedirect(page, server);
      expect(page.headers.getSetCookie().some((c) => c.startsWith('oauth_binding='))).toBe(true);
    });

    it('a form POST by a signed-in user shows the consent page', async () => {
      const browser = new TestBrowser(server, 'user-bob');
      const page = await browser.post(OAUTH_PATHS.authorize, valid() as Record<string, string>);
      expect(isConsentPage(page)).toBe(true);
    });

    it('a form POST with a redirect error goes to the client with state and iss', async () => {
      const page = await anonymous().post(OAUTH_PATHS.authorize, {
        ...valid(),
        response_type: 'token',
      } as Record<string, string>);
      expectRedirectError(page, server, 'unsupported_response_type');
    });

    it('a form POST with a bad redirect_uri -> error page', async () => {
      const page = await anonymous().post(OAUTH_PATHS.authorize, {
        ...valid(),
        redirect_uri: 'https://evil.example/cb',
      } as Record<string, string>);
      expectErrorPage(page);
    });

    it('a duplicated form parameter -> error page', async () => {
      const page = await anonymous().post(OAUTH_PATHS.authorize, {
        ...valid(),
        state: ['a', 'b'],
      } as Record<string, string | string[]>);
      expectErrorPage(page);
    });

    it('a JSON body -> error page', async () => {
      const response = await fetch(`${server.url}${OAUTH_PATHS.authorize}`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(valid()),
      });
      expect(response.status).toBe(400);
      expect(response.headers.get('location')).toBeNull();
      expect(response.headers.get('x-frame-options')).toBe('DENY');
    });
  });
});

describeOn('sqlite')('authorization request with relaxed PKCE options (%s)', (target) => {
  let server: TestApp;
  let client: TestClient;
  let publicClient: TestClient;
  beforeAll(async () => {
    server = await startTestApp(target, {
      pkce: { requiredForConfidentialClients: false, allowPlain: true },
    });
    client = await registerCodeClient(server);
    publicClient = await registerCodeClient(server, {
      name: 'SPA',
      tokenEndpointAuthMethod: 'none',
      grantTypes: ['authorization_code'],
    });
  });
  afterAll(() => server.close());

  it('pkce.requiredForConfidentialClients=false: a confidential client may omit PKCE', async () => {
    const page = await new TestBrowser(server).authorize(
      codeRequest({ client, pkce: false }).params,
    );
    expectLoginRedirect(page, server);
  });

  it('a public client still needs PKCE', async () => {
    const page = await new TestBrowser(server).authorize(
      codeRequest({ client: publicClient, pkce: false }).params,
    );
    expectRedirectError(page, server, 'invalid_request');
  });

  it('pkce.allowPlain: plain is accepted, explicitly or as the default method', async () => {
    const plain = 'p'.repeat(43);
    const base = codeRequest({ client, pkce: false }).params;
    expectLoginRedirect(
      await new TestBrowser(server).authorize({
        ...base,
        code_challenge: plain,
        code_challenge_method: 'plain',
      }),
      server,
    );
    expectLoginRedirect(
      await new TestBrowser(server).authorize({ ...base, code_challenge: plain }),
      server,
    );
  });

  it('pkce.allowPlain: a malformed plain challenge is still refused', async () => {
    const base = codeRequest({ client, pkce: false }).params;
    const page = await new TestBrowser(server).authorize({
      ...base,
      code_challenge: 'short',
      code_challenge_method: 'plain',
    });
    expectRedirectError(page, server, 'invalid_request');
  });
});
