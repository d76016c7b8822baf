// The sample app (sample-app/) started in-process, the way `npm run sample` starts it: on Express
// with SQLite, PostgreSQL and MariaDB, and on Fastify with SQLite (SAMPLE_TARGETS). The sample-app
// contract of DESIGN.md §5.
import { createHash } from 'node:crypto';
import { SessionService } from '../../sample-app/session/session.service';
import { UsersService } from '../../sample-app/users/users.service';
import {
  freshSampleDatabase as freshDatabase,
  SAMPLE_ADAPTERS,
  SAMPLE_TARGETS,
  startSample,
} from '../support/sample-app';
import type { TestApp } from '../support/test-app';
import { pkcePair, REDIRECT_URI, registerCodeClient } from '../support/token-helpers';

type RunningSample = TestApp;

const form = (fields: Record<string, string>) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields).toString(),
  redirect: 'manual' as const,
});

/** `name=value` of the session cookie set by a response, or undefined. */
function sessionCookie(response: Response): string | undefined {
  const cookie = response.headers.getSetCookie().find((c) => c.startsWith('sid='));
  return cookie?.split(';')[0];
}

function expectPageHeaders(response: Response): void {
  expect(response.headers.get('x-frame-options')).toBe('DENY');
  expect(response.headers.get('content-security-policy')).toMatch(/frame-ancestors 'none'/);
  expect(response.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
  expect(response.headers.get('referrer-policy')).toBe('no-referrer');
  expect(response.headers.get('cache-control')).toBe('no-store');
}

describe.each(SAMPLE_TARGETS)('sample app ($adapter, $database)', ({ adapter, database: kind }) => {
  let database: { url: string; drop(): Promise<void> };
  let sample: RunningSample;

  beforeAll(async () => {
    database = await freshDatabase(kind);
    sample = await startSample(
      { DATABASE_URL: database.url, SESSION_SECRET: 'a-test-session-secret' },
      { adapter },
    );
  });
  afterAll(async () => {
    await sample?.close();
    await database?.drop();
  });

  const signIn = (username: string, password: string, returnTo = '/') =>
    fetch(`${sample.url}/login`, form({ username, password, return_to: returnTo }));

  describe('authorization server metadata', () => {
    it('serves RFC 8414 metadata with every field of the contract', async () => {
      const response = await fetch(`${sample.url}/.well-known/oauth-authorization-server`);
      expect(response.status).toBe(200);
      const metadata = await response.json();
      expect(metadata).toMatchObject({
        issuer: sample.url,
        authorization_endpoint: expect.stringMatching(new RegExp(`^${sample.url}/`)),
        token_endpoint: expect.stringMatching(new RegExp(`^${sample.url}/`)),
        jwks_uri: expect.stringMatching(new RegExp(`^${sample.url}/`)),
        revocation_endpoint: expect.stringMatching(new RegExp(`^${sample.url}/`)),
        introspection_endpoint: expect.stringMatching(new RegExp(`^${sample.url}/`)),
        userinfo_endpoint: expect.stringMatching(new RegExp(`^${sample.url}/`)),
        response_types_supported: ['code'],
        grant_types_supported: expect.arrayContaining([
          'authorization_code',
          'client_credentials',
          'refresh_token',
        ]),
        token_endpoint_auth_methods_supported: expect.any(Array),
        code_challenge_methods_supported: ['S256'],
        authorization_response_iss_parameter_supported: true,
      });
      expect([...metadata.scopes_supported].sort()).toEqual([
        'accounts:read',
        'email',
        'offline_access',
        'openid',
        'payments:write',
        'profile',
      ]);
      expect(metadata).not.toHaveProperty('registration_endpoint');
    });

    it('advertises OpenID Connect logout in both metadata documents', async () => {
      for (const path of [
        '/.well-known/oauth-authorization-server',
        '/.well-known/openid-configuration',
      ]) {
        const metadata = await (await fetch(`${sample.url}${path}`)).json();
        expect(metadata).toMatchObject({
          end_session_endpoint: `${sample.url}/oauth/end_session`,
          backchannel_logout_supported: true,
          backchannel_logout_session_supported: false,
        });
      }
    });

    it('advertises pushed authorization requests and DPoP (FAPI 2.0 building blocks)', async () => {
      const metadata = await (
        await fetch(`${sample.url}/.well-known/oauth-authorization-server`)
      ).json();
      expect(metadata).toMatchObject({
        pushed_authorization_request_endpoint: `${sample.url}/oauth/par`,
        require_pushed_authorization_requests: false,
        dpop_signing_alg_values_supported: expect.arrayContaining(['ES256', 'PS256']),
      });
    });

    it('serves the OpenID Provider configuration', async () => {
      const response = await fetch(`${sample.url}/.well-known/openid-configuration`);
      expect(response.status).toBe(200);
      const metadata = await response.json();
      expect(metadata.issuer).toBe(sample.url);
      expect(metadata.id_token_signing_alg_values_supported).toContain('RS256');
    });

    it('publishes an RS256 public key at jwks_uri', async () => {
      const { jwks_uri } = await (
        await fetch(`${sample.url}/.well-known/oauth-authorization-server`)
      ).json();
      const response = await fetch(jwks_uri);
      expect(response.status).toBe(200);
      const { keys } = await response.json();
      expect(keys).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ kty: 'RSA', alg: 'RS256', kid: expect.any(String) }),
        ]),
      );
      for (const key of keys) expect(key).not.toHaveProperty('d');
    });
  });

  describe('sign-in page', () => {
    it('has labelled Username and Password inputs, a Sign in button and the return_to', async () => {
      const response = await fetch(
        `${sample.url}/login?return_to=${encodeURIComponent('/oauth/authorize?client_id=a&state="x"')}`,
      );
      expect(response.status).toBe(200);
      expectPageHeaders(response);
      const page = await response.text();
      expect(page).toMatch(/<label for="username">Username<\/label>\s*<input\s+id="username"/);
      expect(page).toMatch(
        /<label for="password">Password<\/label>\s*<input\s+id="password"\s[^>]*type="password"/,
      );
      expect(page).toMatch(/<button type="submit">Sign in<\/button>/);
      // The inline stylesheet is allowed by its hash, so the page is styled under the CSP.
      const style = /<style>([\s\S]*?)<\/style>/.exec(page)![1];
      const hash = createHash('sha256').update(style).digest('base64');
      expect(response.headers.get('content-security-policy')).toContain(
        `style-src 'sha256-${hash}'`,
      );
      expect(page).toContain(
        'name="return_to" value="/oauth/authorize?client_id=a&amp;state=&quot;x&quot;"',
      );
    });

    it('signs alice in with her password: the cookie is set and the home page shows her', async () => {
      const response = await signIn('alice', 'alice-password');
      expect(response.status).toBe(303);
      expect(response.headers.get('location')).toBe('/');
      const setCookie = response.headers.getSetCookie().find((c) => c.startsWith('sid='))!;
      expect(setCookie).toMatch(/; HttpOnly/);
      expect(setCookie).toMatch(/; SameSite=Lax/);
      expect(setCookie).toMatch(/; Path=\//);

      const home = await fetch(`${sample.url}/`, { headers: { cookie: sessionCookie(response)! } });
      expect(home.status).toBe(200);
      expectPageHeaders(home);
      const page = await home.text();
      expect(page).toContain('Signed in as <strong>Alice Liddell</strong> (alice)');
      // Sign-out goes through the authorization server's end-session endpoint (OIDC logout).
      expect(page).toContain('<a href="/oauth/end_session">Sign out</a>');
    });

    it('returns to a same-site return_to after signing in', async () => {
      const returnTo = '/oauth/authorize?client_id=a&state=xyz';
      const response = await signIn('bob', 'bob-password', returnTo);
      expect(response.status).toBe(303);
      expect(response.headers.get('location')).toBe(returnTo);
    });

    it.each([
      '//evil.example',
      'https://evil.example',
      '/\\evil.example',
      '\\\\evil.example',
      'javascript:alert(1)',
      ' //evil.example',
    ])('never redirects off-site: return_to %s lands on /', async (returnTo) => {
      const response = await signIn('alice', 'alice-password', returnTo);
      expect(response.status).toBe(303);
      expect(response.headers.get('location')).toBe('/');
    });

    it.each([
      ['Sec-Fetch-Site: cross-site', { 'sec-fetch-site': 'cross-site' }],
      ['an Origin of another site', { origin: 'https://evil.example' }],
    ])('refuses a sign-in form posted from another site (%s): no cookie', async (_, headers) => {
      const request = form({ username: 'alice', password: 'alice-password', return_to: '/' });
      const response = await fetch(`${sample.url}/login`, {
        ...request,
        headers: { ...request.headers, ...headers },
      });
      expect(response.status).toBe(403);
      expect(sessionCookie(response)).toBeUndefined();
    });

    it('accepts a sign-in form posted from its own origin', async () => {
      const request = form({ username: 'alice', password: 'alice-password', return_to: '/' });
      const response = await fetch(`${sample.url}/login`, {
        ...request,
        headers: { ...request.headers, origin: sample.url, 'sec-fetch-site': 'same-origin' },
      });
      expect(response.status).toBe(303);
      expect(sessionCookie(response)).toBeDefined();
    });

    it.each([
      ['a wrong password', 'alice', 'bob-password'],
      ['an unknown user', 'mallory', 'alice-password'],
      ['an empty password', 'alice', ''],
    ])('refuses %s with 401 and no cookie', async (_, username, password) => {
      const response = await signIn(username, password);
      expect(response.status).toBe(401);
      expect(sessionCookie(response)).toBeUndefined();
      expectPageHeaders(response);
      const page = await response.text();
      expect(page).toContain('role="alert"');
      expect(page).toMatch(/<button type="submit">Sign in<\/button>/);
    });

    it('escapes what the user typed when it shows the form again', async () => {
      const response = await signIn('<script>alert(1)</script>', 'x');
      expect(response.status).toBe(401);
      const page = await response.text();
      expect(page).not.toContain('<script>');
      expect(page).toContain('value="&lt;script&gt;alert(1)&lt;/script&gt;"');
    });

    it('ignores a session cookie whose signature does not match', async () => {
      const cookie = sessionCookie(await signIn('alice', 'alice-password'))!;
      const [userId, authTime, level, signature] = cookie.slice('sid='.length).split('.');
      expect(level).toBe('low');
      for (const forged of [
        `sid=${userId}.${Number(authTime) + 3600}.${level}.${signature}`,
        // A password session cannot raise itself to "substantial" (payments) by editing the cookie.
        `sid=${userId}.${authTime}.substantial.${signature}`,
      ]) {
        const page = await (await fetch(`${sample.url}/`, { headers: { cookie: forged } })).text();
        expect(page).toContain('You are not signed in');
      }
    });
  });

  describe('one-time code (the simulated second factor)', () => {
    const RETURN_TO = '/oauth/authorize/interaction/abc';
    const codePage = (cookie: string, returnTo = RETURN_TO) =>
      fetch(`${sample.url}/login/one-time-code?return_to=${encodeURIComponent(returnTo)}`, {
        headers: { cookie },
        redirect: 'manual',
      });
    const postCode = (cookie: string, fields: Record<string, string>) =>
      fetch(`${sample.url}/login/one-time-code`, {
        ...form({ return_to: RETURN_TO, ...fields }),
        headers: { ...form({}).headers, cookie },
      });
    const shown = (page: string) => ({
      code: /Your one-time code: (\d{6})/.exec(page)![1],
      csrfToken: /name="csrf_token" value="([^"]+)"/.exec(page)![1],
    });

    it('after the password, a request for "substantial" goes on to the code page', async () => {
      const response = await fetch(
        `${sample.url}/login`,
        form({
          username: 'alice',
          password: 'alice-password',
          return_to: RETURN_TO,
          acr_values: 'substantial',
        }),
      );
      expect(response.status).toBe(303);
      expect(response.headers.get('location')).toBe(
        `/login/one-time-code?return_to=${encodeURIComponent(RETURN_TO)}`,
      );
      expect(sessionCookie(response)).toMatch(/\.low\./);
    });

    it('a password session asked for "substantial" skips the password, unless prompt=login', async () => {
      const cookie = sessionCookie(await signIn('alice', 'alice-password'))!;
      const login = (query: string) =>
        fetch(`${sample.url}/login?return_to=${encodeURIComponent(RETURN_TO)}&${query}`, {
          headers: { cookie },
          redirect: 'manual',
        });
      const stepUp = await login('acr_values=substantial');
      expect(stepUp.status).toBe(303);
      expect(stepUp.headers.get('location')).toMatch(/^\/login\/one-time-code\?/);
      const again = await login('acr_values=substantial&prompt=login');
      expect(again.status).toBe(200);
      expect(await again.text()).toContain('name="acr_values" value="substantial"');
    });

    it('shows the code, refuses a wrong one, and raises the session with the right one', async () => {
      const cookie = sessionCookie(await signIn('alice', 'alice-password'))!;
      const page = await codePage(cookie);
      expect(page.status).toBe(200);
      expectPageHeaders(page);
      const text = await page.text();
      expect(text).toContain('<label for="code">One-time code</label>');
      expect(text).toContain('<button type="submit">Verify</button>');
      const { code, csrfToken } = shown(text);

      const wrong = await postCode(cookie, {
        code: code === '000000' ? '111111' : '000000',
        csrf_token: csrfToken,
      });
      expect(wrong.status).toBe(401);
      expect(await wrong.text()).toContain('That code is not correct');
      expect(sessionCookie(wrong)).toBeUndefined();

      const forged = await postCode(cookie, { code, csrf_token: 'forged' });
      expect(forged.status).toBe(403);
      expect(sessionCookie(forged)).toBeUndefined();

      const right = await postCode(cookie, { code, csrf_token: csrfToken });
      expect(right.status).toBe(303);
      expect(right.headers.get('location')).toBe(RETURN_TO);
      const raised = sessionCookie(right)!;
      const user = await sample.app
        .get(UsersService)
        .getSignedInUser({ headers: { cookie: raised } });
      expect(user).toMatchObject({ acr: 'substantial', amr: ['pwd', 'otp'] });
    });

    it.each([
      ['no code', {}],
      ['two codes', { code: ['123456', '654321'] }],
      ['a long code', { code: '1'.repeat(5000) }],
    ])('answers %s with 401, never a server error', async (_, fields) => {
      const cookie = sessionCookie(await signIn('alice', 'alice-password'))!;
      const { csrfToken } = shown(await (await codePage(cookie)).text());
      const body = new URLSearchParams({ return_to: RETURN_TO, csrf_token: csrfToken });
      for (const [name, value] of Object.entries(fields))
        for (const item of Array.isArray(value) ? value : [value]) body.append(name, item);
      const response = await fetch(`${sample.url}/login/one-time-code`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
        body: body.toString(),
        redirect: 'manual',
      });
      expect(response.status).toBe(401);
    });

    it('sends a browser without a session to the password first', async () => {
      for (const response of [
        await codePage(''),
        await postCode('', { code: '123456', csrf_token: 'x' }),
      ]) {
        expect(response.status).toBe(303);
        expect(response.headers.get('location')).toMatch(
          /^\/login\?return_to=.*acr_values=substantial$/,
        );
      }
    });
  });

  describe('sign-out', () => {
    it('POST /logout needs the CSRF token of the session, then clears the cookie', async () => {
      const cookie = sessionCookie(await signIn('alice', 'alice-password'))!;
      const sessions = sample.app.get(SessionService);
      const session = sessions.read({ headers: { cookie } } as never)!;
      const csrfToken = sessions.csrfToken(session);

      const forged = await fetch(`${sample.url}/logout`, {
        ...form({ csrf_token: 'forged' }),
        headers: { ...form({}).headers, cookie },
      });
      expect(forged.status).toBe(403);
      expect(sessionCookie(forged)).toBeUndefined();

      const response = await fetch(`${sample.url}/logout`, {
        ...form({ csrf_token: csrfToken }),
        headers: { ...form({}).headers, cookie },
      });
      expect(response.status).toBe(303);
      expect(response.headers.get('location')).toBe('/');
      expect(response.headers.getSetCookie().find((c) => c.startsWith('sid='))).toMatch(
        /^sid=; .*Max-Age=0/,
      );
    });
  });

  describe('as the ResourceOwnerProvider', () => {
    it('reads the signed-in user from the session and gives claims by scope', async () => {
      const cookie = sessionCookie(await signIn('alice', 'alice-password'))!;
      const users = sample.app.get(UsersService);
      const user = await users.getSignedInUser({ headers: { cookie } });
      expect(user).toMatchObject({
        username: 'alice',
        id: expect.any(String),
        authTime: expect.any(Number),
      });
      expect(await users.getSignedInUser({ headers: {} })).toBeNull();
      expect(await users.findById(user!.id)).toEqual({ id: user!.id, username: 'alice' });
      expect(await users.findById('nobody')).toBeNull();
      expect(await users.getClaims(user!.id, ['openid'])).toEqual({});
      expect(await users.getClaims(user!.id, ['openid', 'profile', 'email'])).toEqual({
        name: 'Alice Liddell',
        email: 'alice@example.com',
        email_verified: true,
      });
    });
  });

  if (kind !== 'sqlite') {
    it('lets a second instance start on the same database and share sessions through SESSION_SECRET', async () => {
      const second = await startSample(
        { DATABASE_URL: database.url, SESSION_SECRET: 'a-test-session-secret' },
        { adapter },
      );
      try {
        const cookie = sessionCookie(await signIn('alice', 'alice-password'))!;
        const page = await (await fetch(`${second.url}/`, { headers: { cookie } })).text();
        expect(page).toContain('Signed in as <strong>Alice Liddell</strong>');
      } finally {
        await second.close();
      }
    });
  }
});

describe.each(SAMPLE_ADAPTERS)('sample app with OAUTH_REGISTRATION_TOKEN (%s)', (adapter) => {
  const token = 'a-registration-token-for-the-tests';
  let sample: RunningSample;
  beforeAll(async () => {
    sample = await startSample(
      { DATABASE_URL: 'sqlite::memory:', OAUTH_REGISTRATION_TOKEN: token },
      { adapter },
    );
  });
  afterAll(() => sample?.close());

  it('advertises the registration endpoint and guards it with the token', async () => {
    const metadata = await (
      await fetch(`${sample.url}/.well-known/oauth-authorization-server`)
    ).json();
    expect(metadata.registration_endpoint).toBe(`${sample.url}/oauth/register`);

    const body = JSON.stringify({
      client_name: 'Test client',
      redirect_uris: ['https://client.example/callback'],
    });
    const headers = { 'content-type': 'application/json' };
    const refused = await fetch(metadata.registration_endpoint, { method: 'POST', headers, body });
    expect(refused.status).toBe(401);

    const registered = await fetch(metadata.registration_endpoint, {
      method: 'POST',
      headers: { ...headers, authorization: `Bearer ${token}` },
      body,
    });
    expect(registered.status).toBe(201);
    expect(await registered.json()).toMatchObject({
      client_id: expect.any(String),
      client_name: 'Test client',
    });
  });
});

describe.each(
  SAMPLE_ADAPTERS.flatMap((adapter) => [
    { adapter, issuer: 'https://bank.example', secure: true },
    { adapter, issuer: 'http://localhost:3000', secure: false },
  ]),
)('sample app cookies ($adapter) with OAUTH_ISSUER=$issuer', ({ adapter, issuer, secure }) => {
  let sample: RunningSample;
  beforeAll(async () => {
    sample = await startSample(
      { DATABASE_URL: 'sqlite::memory:', OAUTH_ISSUER: issuer },
      { adapter },
    );
  });
  afterAll(() => sample?.close());

  const attributes = (cookie: string | undefined) => cookie?.split('; ').slice(1) ?? [];

  it(`${secure ? 'sets' : 'does not set'} Secure on the session cookie (sign-in and sign-out)`, async () => {
    const signedIn = await fetch(
      `${sample.url}/login`,
      form({ username: 'alice', password: 'alice-password', return_to: '/' }),
    );
    expect(signedIn.status).toBe(303);
    const session = signedIn.headers.getSetCookie().find((c) => c.startsWith('sid='));
    expect(attributes(session).includes('Secure')).toBe(secure);
    expect(attributes(session)).toEqual(expect.arrayContaining(['HttpOnly', 'SameSite=Lax']));
    const signedOut = await fetch(`${sample.url}/logout`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: session!.split(';')[0] },
    });
    const cleared = signedOut.headers.getSetCookie().find((c) => c.startsWith('sid='));
    if (cleared) expect(attributes(cleared).includes('Secure')).toBe(secure);
  });

  it(`${secure ? 'sets' : 'does not set'} Secure on the module's binding cookie`, async () => {
    const client = await registerCodeClient(sample);
    const params = new URLSearchParams({
      response_type: 'code',
      client_id: client.clientId,
      redirect_uri: REDIRECT_URI,
      scope: 'accounts:read',
      state: 's',
      code_challenge: pkcePair().challenge,
      code_challenge_method: 'S256',
    });
    const response = await fetch(`${sample.url}/oauth/authorize?${params}`, { redirect: 'manual' });
    expect(response.status).toBe(303);
    const binding = response.headers.getSetCookie().find((c) => c.startsWith('oauth_binding='));
    expect(binding).toBeDefined();
    expect(attributes(binding).includes('Secure')).toBe(secure);
  });
});
