// Pushed authorization requests (RFC 9126): oauth4webapi pushes the request (client_secret_basic
// and private_key_jwt), the browser brings only client_id and request_uri, the code is
// exchanged. Then what is refused: at the PAR endpoint as JSON errors, at the authorization
// endpoint as the error page (a request_uri used, expired, unknown or another client's) or as an
// error at the redirect URI (a plain request from a client that must push).
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import * as oauth from 'oauth4webapi';
import { CleanupService, OAUTH_PATHS } from '../../src';
import type { OAuthModuleOptions } from '../../src';
import {
  callbackParams,
  consentForm,
  decide,
  expectErrorPage,
  expectRedirectError,
  isConsentPage,
  Page,
  TestBrowser,
} from '../support/authorize-helpers';
import { TEST_TARGETS } from '../support/targets';
import { startTestApp, TestApp } from '../support/test-app';
import {
  basicHeaders,
  expectTokenError,
  pkcePair,
  postForm,
  REDIRECT_URI,
  registerCodeClient,
  sleep,
  TestClient,
  TokenCall,
} from '../support/token-helpers';

const INSECURE = { [oauth.allowInsecureRequests]: true } as const;
const REQUEST_URI = /^urn:ietf:params:oauth:request_uri:[A-Za-z0-9_-]{43}$/;
const INITIAL_ACCESS_TOKEN = 'a-long-initial-access-token';

/** The authorization request a client pushes, with a fresh PKCE pair. */
function pushedParams(extra: Record<string, string> = {}) {
  const { verifier, challenge } = pkcePair();
  const params: Record<string, string> = {
    response_type: 'code',
    redirect_uri: REDIRECT_URI,
    scope: 'accounts:read',
    state: 'pushed-state',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ...extra,
  };
  return { params, verifier };
}

/** POST /oauth/par with client_secret_basic. */
function push(server: TestApp, client: TestClient, params: Record<string, string | undefined>) {
  return postForm(server, params, basicHeaders(client), OAUTH_PATHS.par);
}

/** Pushes a valid request and returns its request_uri; fails unless the server answers 201. */
async function pushed(server: TestApp, client: TestClient, extra: Record<string, string> = {}) {
  const { params, verifier } = pushedParams(extra);
  const call = await push(server, client, params);
  if (call.status !== 201) throw new Error(`push failed: ${call.status} ${call.text}`);
  return { requestUri: call.body.request_uri as string, verifier };
}

/** The browser's visit to the authorization endpoint with a request_uri, up to the redirect with a code. */
async function authorizeWithRequestUri(
  browser: TestBrowser,
  params: Record<string, string>,
): Promise<Page> {
  let page = await browser.authorize(params);
  if (isConsentPage(page)) page = await decide(browser, consentForm(page), 'allow');
  return page;
}

describe.each(TEST_TARGETS)('pushed authorization requests (%s)', (target) => {
  let server: TestApp;
  let as: oauth.AuthorizationServer;
  let web: TestClient;
  beforeAll(async () => {
    server = await startTestApp(target, {
      registration: { enabled: true, initialAccessToken: INITIAL_ACCESS_TOKEN },
    });
    const issuer = new URL(server.url);
    as = await oauth.processDiscoveryResponse(
      issuer,
      await oauth.discoveryRequest(issuer, { ...INSECURE, algorithm: 'oauth2' }),
    );
    web = await registerCodeClient(server);
  });
  afterAll(() => server.close());

  it('are advertised in both metadata documents (RFC 9126 §5), not required by default', async () => {
    const fields = {
      pushed_authorization_request_endpoint: `${server.url}${OAUTH_PATHS.par}`,
      require_pushed_authorization_requests: false,
    };
    expect(as).toMatchObject(fields);
    const openid = await (await fetch(`${server.url}${OAUTH_PATHS.openidConfiguration}`)).json();
    expect(openid).toMatchObject(fields);
  });

  describe('the code flow through PAR, with oauth4webapi as the client', () => {
    async function runFlow(
      client: oauth.Client,
      auth: oauth.ClientAuth,
      browser = new TestBrowser(server, 'user-alice'),
    ) {
      const verifier = oauth.generateRandomCodeVerifier();
      const state = oauth.generateRandomState();
      const nonce = oauth.generateRandomNonce();
      const response = await oauth.pushedAuthorizationRequest(
        as,
        client,
        auth,
        {
          response_type: 'code',
          redirect_uri: REDIRECT_URI,
          scope: 'openid accounts:read',
          state,
          nonce,
          code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
          code_challenge_method: 'S256',
        },
        INSECURE,
      );
      expect(response.status).toBe(201);
      expect(response.headers.get('cache-control')).toBe('no-store');
      const result = await oauth.processPushedAuthorizationResponse(as, client, response);
      expect(result).toEqual({ request_uri: expect.stringMatching(REQUEST_URI), expires_in: 60 });

      // RFC 9126 §4: only client_id and request_uri count; the pushed request wins over the rest.
      const page = await authorizeWithRequestUri(browser, {
        client_id: client.client_id,
        request_uri: result.request_uri,
        scope: 'payments:write',
        state: 'not-the-pushed-state',
        redirect_uri: 'https://attacker.example/cb',
      });
      const callback = new URL(page.location!);
      expect(callback.origin + callback.pathname).toBe(REDIRECT_URI);
      const params = oauth.validateAuthResponse(as, client, callback, state);
      const tokens = await oauth.processAuthorizationCodeResponse(
        as,
        client,
        await oauth.authorizationCodeGrantRequest(
          as,
          client,
          auth,
          params,
          REDIRECT_URI,
          verifier,
          INSECURE,
        ),
        { expectedNonce: nonce, requireIdToken: true },
      );
      expect(tokens.scope).toBe('openid accounts:read');
      expect(oauth.getValidatedIdTokenClaims(tokens)).toMatchObject({
        sub: 'user-alice',
        aud: client.client_id,
        nonce,
      });
      return result.request_uri;
    }

    it('with client_secret_basic', async () => {
      await runFlow({ client_id: web.clientId }, oauth.ClientSecretBasic(web.clientSecret!));
    });

    it('with private_key_jwt', async () => {
      const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
      const kid = randomUUID();
      const keyClient = await registerCodeClient(server, {
        tokenEndpointAuthMethod: 'private_key_jwt',
        jwks: { keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' }] },
      });
      await runFlow(
        { client_id: keyClient.clientId },
        oauth.PrivateKeyJwt({ key: privateKey, kid }),
      );
    });

    it('for a public client, identified by client_id and bound by PKCE', async () => {
      const spa = await registerCodeClient(server, { tokenEndpointAuthMethod: 'none' });
      await runFlow({ client_id: spa.clientId, token_endpoint_auth_method: 'none' }, oauth.None());
    });
  });

  describe('client authentication at the PAR endpoint', () => {
    let keyClient: TestClient;
    let privateKey: CryptoKey;
    const kid = 'par-key';
    beforeAll(async () => {
      const pair = await generateKeyPair('ES256', { extractable: true });
      privateKey = pair.privateKey;
      keyClient = await registerCodeClient(server, {
        tokenEndpointAuthMethod: 'private_key_jwt',
        jwks: { keys: [{ ...(await exportJWK(pair.publicKey)), kid, alg: 'ES256', use: 'sig' }] },
      });
    });

    const assertion = (audience: string) =>
      new SignJWT({})
        .setProtectedHeader({ alg: 'ES256', kid })
        .setIssuer(keyClient.clientId)
        .setSubject(keyClient.clientId)
        .setAudience(audience)
        .setJti(randomUUID())
        .setIssuedAt()
        .setExpirationTime('1m')
        .sign(privateKey);
    const pushWithAssertion = async (audience: string): Promise<TokenCall> =>
      postForm(
        server,
        {
          ...pushedParams().params,
          client_id: keyClient.clientId,
          client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
          client_assertion: await assertion(audience),
        },
        {},
        OAUTH_PATHS.par,
      );

    it.each([
      ['the issuer', ''],
      ['the token endpoint', OAUTH_PATHS.token],
      ['the PAR endpoint (RFC 9126 §2)', OAUTH_PATHS.par],
    ])('accepts a client assertion for %s', async (_, path) => {
      const call = await pushWithAssertion(`${server.url}${path}`);
      expect(call.status).toBe(201);
    });

    it('refuses a client assertion for another endpoint', async () => {
      expectTokenError(
        await pushWithAssertion(`${server.url}${OAUTH_PATHS.revocation}`),
        'invalid_client',
        401,
      );
    });

    it('refuses a confidential client that does not authenticate, or with a wrong secret', async () => {
      const { params } = pushedParams();
      const anonymous = await postForm(
        server,
        { ...params, client_id: web.clientId },
        {},
        OAUTH_PATHS.par,
      );
      expectTokenError(anonymous, 'invalid_client', 401);
      const wrong = await push(server, { ...web, clientSecret: 'wrong' }, params);
      expectTokenError(wrong, 'invalid_client', 401);
      expect(wrong.headers.get('www-authenticate')).toMatch(/^Basic /);
    });

    it('accepts only POST', async () => {
      const response = await fetch(`${server.url}${OAUTH_PATHS.par}`);
      expect(response.status).toBe(405);
      expect(response.headers.get('allow')).toBe('POST');
    });
  });

  describe('validation at push time: JSON errors, as the authorization endpoint would refuse them', () => {
    it.each([
      [
        'a request_uri (RFC 9126 §2.1)',
        { request_uri: 'urn:ietf:params:oauth:request_uri:x' },
        'invalid_request',
      ],
      [
        'a request object (not supported)',
        { request: 'eyJhbGciOiJub25lIn0.e30.' },
        'request_not_supported',
      ],
      [
        'an unregistered redirect_uri',
        { redirect_uri: 'https://attacker.example/cb' },
        'invalid_request',
      ],
      ['a scope the client may not have', { scope: 'accounts:read admin' }, 'invalid_scope'],
      ['another response_type', { response_type: 'token' }, 'unsupported_response_type'],
      ['no PKCE challenge', { code_challenge: '' }, 'invalid_request'],
      ['the plain PKCE method', { code_challenge_method: 'plain' }, 'invalid_request'],
    ])('refuses %s', async (_, extra, error) => {
      const { params } = pushedParams();
      const call = await push(server, web, { ...params, ...extra });
      expectTokenError(call, error);
      expect(call.headers.get('cache-control')).toBe('no-store');
    });

    it('refuses a parameter sent twice', async () => {
      const { params } = pushedParams();
      const call = await push(server, web, {
        ...params,
        scope: ['accounts:read', 'openid'],
      } as never);
      expectTokenError(call, 'invalid_request');
    });
  });

  describe('request_uri at the authorization endpoint', () => {
    it('is used once: a second visit gets the error page, not a second code', async () => {
      const { requestUri } = await pushed(server, web);
      const browser = new TestBrowser(server, 'user-alice');
      const first = await authorizeWithRequestUri(browser, {
        client_id: web.clientId,
        request_uri: requestUri,
      });
      expect(callbackParams(first).get('code')).toEqual(expect.any(String));
      const second = await browser.authorize({ client_id: web.clientId, request_uri: requestUri });
      expectErrorPage(second);
      expect(second.text).toContain('expired or was already used');
    });

    it('is used once under a race: of two visits at the same moment, one gets on', async () => {
      const { requestUri } = await pushed(server, web);
      const visit = () =>
        new TestBrowser(server, 'user-alice').authorize({
          client_id: web.clientId,
          request_uri: requestUri,
        });
      const pages = await Promise.all([visit(), visit(), visit()]);
      const refused = pages.filter((page) => page.status === 400);
      expect(refused).toHaveLength(2);
      for (const page of refused) expectErrorPage(page);
    });

    it("is bound to its client: another client's request_uri is refused and stays usable by its own", async () => {
      const other = await registerCodeClient(server);
      const { requestUri } = await pushed(server, web);
      const browser = new TestBrowser(server, 'user-alice');
      expectErrorPage(
        await browser.authorize({ client_id: other.clientId, request_uri: requestUri }),
      );
      const own = await authorizeWithRequestUri(browser, {
        client_id: web.clientId,
        request_uri: requestUri,
      });
      expect(callbackParams(own).get('state')).toBe('pushed-state');
    });

    it.each([
      ['unknown', 'urn:ietf:params:oauth:request_uri:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'],
      ['huge', `urn:ietf:params:oauth:request_uri:${'A'.repeat(5000)}`],
    ])('refuses a request_uri that is %s with the error page', async (_, requestUri) => {
      const browser = new TestBrowser(server, 'user-alice');
      expectErrorPage(
        await browser.authorize({ client_id: web.clientId, request_uri: requestUri }),
      );
    });

    it('takes any other request_uri for a request object by reference, which is not supported', async () => {
      const browser = new TestBrowser(server, 'user-alice');
      const page = await browser.authorize({
        client_id: web.clientId,
        request_uri: 'https://client.example/request.jwt',
      });
      expectRedirectError(page, server, 'request_uri_not_supported', { state: null });
    });

    it('needs the client_id beside the request_uri (RFC 9126 §4)', async () => {
      const { requestUri } = await pushed(server, web);
      const browser = new TestBrowser(server, 'user-alice');
      expectErrorPage(await browser.authorize({ request_uri: requestUri }));
      const page = await authorizeWithRequestUri(browser, {
        client_id: web.clientId,
        request_uri: requestUri,
      });
      expect(callbackParams(page).get('code')).toEqual(expect.any(String));
    });

    it('keeps the pushed request through sign-in: the interaction carries it', async () => {
      const { requestUri } = await pushed(server, web, { scope: 'openid accounts:read' });
      const browser = new TestBrowser(server);
      const login = await browser.authorize({ client_id: web.clientId, request_uri: requestUri });
      expect(login.status).toBe(303);
      const returnTo = new URL(login.location!, server.url).searchParams.get('return_to')!;
      browser.user = 'user-alice';
      let page = await browser.get(returnTo);
      if (isConsentPage(page)) page = await decide(browser, consentForm(page), 'allow');
      expect(callbackParams(page).get('state')).toBe('pushed-state');
    });
  });

  describe('a client registered to require PAR (RFC 9126 §6)', () => {
    it('gets an error at its redirect URI for a plain request, and the code flow through PAR', async () => {
      const strict = await registerCodeClient(server, { requirePushedAuthorizationRequests: true });
      const browser = new TestBrowser(server, 'user-alice');
      const { params } = pushedParams({ client_id: strict.clientId, state: 'plain-state' });
      const plain = await browser.authorize(params);
      expectRedirectError(plain, server, 'invalid_request', { state: 'plain-state' });

      const { requestUri } = await pushed(server, strict);
      const page = await authorizeWithRequestUri(browser, {
        client_id: strict.clientId,
        request_uri: requestUri,
      });
      expect(callbackParams(page).get('code')).toEqual(expect.any(String));
    });

    it('is registered through DCR with require_pushed_authorization_requests', async () => {
      const register = (metadata: object) =>
        fetch(`${server.url}${OAUTH_PATHS.registration}`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${INITIAL_ACCESS_TOKEN}`,
            'content-type': 'application/json',
          },
          body: JSON.stringify({
            client_name: 'Strict app',
            redirect_uris: [REDIRECT_URI],
            ...metadata,
          }),
        });
      const registered = await register({ require_pushed_authorization_requests: true });
      expect(registered.status).toBe(201);
      expect(await registered.json()).toMatchObject({
        require_pushed_authorization_requests: true,
      });
      // Omitted means false (RFC 9126 §6), and is left out of the answer.
      const relaxed = await (await register({})).json();
      expect(relaxed).not.toHaveProperty('require_pushed_authorization_requests');
      const wrong = await register({ require_pushed_authorization_requests: 'yes' });
      expect(wrong.status).toBe(400);
      expect(await wrong.json()).toMatchObject({ error: 'invalid_client_metadata' });
    });
  });
});

describe.each(TEST_TARGETS)('pushed authorization requests required server-wide (%s)', (target) => {
  let server: TestApp;
  let web: TestClient;
  const options: Partial<OAuthModuleOptions> = {
    pushedAuthorizationRequests: { required: true, ttl: 1 },
  };
  beforeAll(async () => {
    server = await startTestApp(target, options);
    web = await registerCodeClient(server);
  });
  afterAll(() => server.close());

  it('advertises require_pushed_authorization_requests', async () => {
    const metadata = await (await fetch(`${server.url}${OAUTH_PATHS.serverMetadata}`)).json();
    expect(metadata.require_pushed_authorization_requests).toBe(true);
  });

  it('refuses a plain authorization request at the redirect URI', async () => {
    const browser = new TestBrowser(server, 'user-alice');
    const { params } = pushedParams({ client_id: web.clientId });
    expectRedirectError(await browser.authorize(params), server, 'invalid_request', {
      state: 'pushed-state',
    });
  });

  it('hands out request_uris that expire after pushedAuthorizationRequests.ttl, then go with the cleanup', async () => {
    const { params } = pushedParams();
    const call = await push(server, web, params);
    expect(call.body).toEqual({ request_uri: expect.stringMatching(REQUEST_URI), expires_in: 1 });
    await sleep(1100);
    const browser = new TestBrowser(server, 'user-alice');
    const page = await browser.authorize({
      client_id: web.clientId,
      request_uri: call.body.request_uri,
    });
    expectErrorPage(page);
    const report = await server.app.get(CleanupService).run();
    expect(report.pushedRequests).toBeGreaterThanOrEqual(1);
  });
});
