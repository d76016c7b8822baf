// Helpers for the authorization endpoint e2e suites: a tiny cookie-keeping "browser" that signs
// users in through the test resource owner, the authorize -> sign-in -> consent -> code dance,
// and assertions for the error page and for errors sent to the client's redirect URI.
import { createHash } from 'node:crypto';
import { OAUTH_PATHS } from '../../src';
import type { ResourceOwnerProvider } from '../../src';
import { BINDING_COOKIE } from '../../src/interactions/browser-binding';
import { TEST_USERS } from './test-app';
import type { TestApp } from './test-app';
import { clientAuth, pkcePair, postForm, REDIRECT_URI } from './token-helpers';
import type { TestClient, TokenCall } from './token-helpers';

export { REDIRECT_URI };

/**
 * Like the shared test resource owner (`x-test-user: <id>` signs a user in), plus
 * `x-test-auth-time: <epoch seconds>` to say when that user signed in (default: now), for
 * `max_age` and `prompt=login`.
 */
export const timedResourceOwner: ResourceOwnerProvider = {
  getSignedInUser: (request) => {
    const headers = (request as { headers: Record<string, string | undefined> }).headers;
    const user = TEST_USERS[headers['x-test-user'] ?? ''];
    if (!user) return null;
    const authTime = headers['x-test-auth-time']
      ? Number(headers['x-test-auth-time'])
      : Math.floor(Date.now() / 1000);
    return { ...user, authTime };
  },
  findById: (id) => TEST_USERS[id] ?? null,
  getClaims: (id) => {
    const user = TEST_USERS[id];
    return user ? { name: user.name, email: user.email, email_verified: true } : {};
  },
};

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/**
 * A browser as far as the server can tell: it keeps cookies (the binding cookie) and, while
 * `user` is set, is signed in as that user. Never follows redirects.
 */
export class TestBrowser {
  readonly cookies = new Map<string, string>();
  user: string | undefined;
  /** Sent as x-test-auth-time when set (see timedResourceOwner). */
  authTime: number | undefined;

  constructor(
    private readonly server: TestApp,
    user?: string,
  ) {
    this.user = user;
  }

  get cookieHeader(): string | undefined {
    if (this.cookies.size === 0) return undefined;
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  get bindingCookie(): string | undefined {
    return this.cookies.get(BINDING_COOKIE);
  }

  headers(extra: Record<string, string> = {}): Record<string, string> {
    return {
      ...(this.cookieHeader ? { cookie: this.cookieHeader } : {}),
      ...(this.user ? { 'x-test-user': this.user } : {}),
      ...(this.authTime !== undefined ? { 'x-test-auth-time': String(this.authTime) } : {}),
      ...extra,
    };
  }

  async get(pathOrUrl: string, headers: Record<string, string> = {}): Promise<Page> {
    return this.keep(
      await fetch(this.url(pathOrUrl), { redirect: 'manual', headers: this.headers(headers) }),
    );
  }

  async post(
    pathOrUrl: string,
    form: Record<string, string | string[]>,
    headers: Record<string, string> = {},
  ): Promise<Page> {
    const body = new URLSearchParams();
    for (const [name, value] of Object.entries(form)) {
      for (const item of Array.isArray(value) ? value : [value]) body.append(name, item);
    }
    const response = await fetch(this.url(pathOrUrl), {
      method: 'POST',
      redirect: 'manual',
      headers: this.headers({ 'content-type': 'application/x-www-form-urlencoded', ...headers }),
      body: body.toString(),
    });
    return this.keep(response);
  }

  /** GET /oauth/authorize with these parameters. */
  authorize(params: Record<string, string | undefined>): Promise<Page> {
    return this.get(authorizePath(params));
  }

  private url(pathOrUrl: string): string {
    return pathOrUrl.startsWith('http') ? pathOrUrl : `${this.server.url}${pathOrUrl}`;
  }

  private async keep(response: Response): Promise<Page> {
    for (const cookie of response.headers.getSetCookie()) {
      const [pair] = cookie.split(';');
      const eq = pair.indexOf('=');
      this.cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
    return {
      status: response.status,
      headers: response.headers,
      location: response.headers.get('location'),
      text: await response.text(),
    };
  }
}

export interface Page {
  status: number;
  headers: Headers;
  location: string | null;
  text: string;
}

/** /oauth/authorize?... (undefined values left out). */
export function authorizePath(params: Record<string, string | undefined>): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params))
    if (value !== undefined) query.append(name, value);
  return `${OAUTH_PATHS.authorize}?${query}`;
}

export interface CodeRequest {
  client: TestClient;
  redirectUri?: string;
  scope?: string;
  state?: string;
  nonce?: string;
  /** false: send no PKCE challenge. Default: a fresh S256 pair. */
  pkce?: false | { verifier: string; challenge: string };
  extra?: Record<string, string | undefined>;
}

/** Authorization request parameters for the code flow, with a fresh S256 PKCE pair unless told otherwise. */
export function codeRequest(request: CodeRequest): {
  params: Record<string, string | undefined>;
  verifier?: string;
} {
  const pair = request.pkce === false ? undefined : (request.pkce ?? pkcePair());
  return {
    verifier: pair?.verifier,
    params: {
      response_type: 'code',
      client_id: request.client.clientId,
      redirect_uri: request.redirectUri ?? REDIRECT_URI,
      scope: request.scope ?? 'accounts:read',
      state: request.state ?? 'state-123',
      nonce: request.nonce,
      code_challenge: pair?.challenge,
      code_challenge_method: pair ? 'S256' : undefined,
      ...request.extra,
    },
  };
}

/** The consent page's form: where it posts and its CSRF token. */
export function consentForm(page: Page): { action: string; csrfToken: string } {
  const action = /<form method="post" action="([^"]+)"/.exec(page.text)?.[1];
  const csrfToken = /name="csrf_token" value="([^"]+)"/.exec(page.text)?.[1];
  if (!action || !csrfToken)
    throw new Error(`not a consent page (${page.status}): ${page.text.slice(0, 300)}`);
  return { action: action.replace(/&amp;/g, '&'), csrfToken };
}

export function isConsentPage(page: Page): boolean {
  return page.status === 200 && page.text.includes('name="decision" value="allow"');
}

/**
 * Runs an authorization request in `browser` (signed in) up to the consent page and returns
 * the page and its form. Fails unless the server shows the consent page.
 */
export async function openConsent(
  browser: TestBrowser,
  params: Record<string, string | undefined>,
) {
  const page = await browser.authorize(params);
  if (!isConsentPage(page))
    throw new Error(
      `expected the consent page, got ${page.status} ${page.location ?? page.text.slice(0, 300)}`,
    );
  return { page, form: consentForm(page) };
}

/** Submits the consent form with `decision`. */
export function decide(
  browser: TestBrowser,
  form: { action: string; csrfToken: string },
  decision: 'allow' | 'deny',
) {
  return browser.post(form.action, { csrf_token: form.csrfToken, decision });
}

/** The parameters of a redirect to the client; fails unless `page` is a redirect to `redirectUri`. */
export function callbackParams(page: Page, redirectUri = REDIRECT_URI): URLSearchParams {
  expect(page.status).toBe(303);
  expect(page.location).toBeTruthy();
  const location = new URL(page.location!);
  expect(`${location.origin}${location.pathname}`).toBe(
    new URL(redirectUri).href.replace(/\?.*$/, ''),
  );
  return location.searchParams;
}

/** The full code flow for a signed-in user: consent page (unless skipped), Allow, the code. */
export async function obtainCode(
  server: TestApp,
  request: CodeRequest,
  browser = new TestBrowser(server, 'user-alice'),
): Promise<{ code: string; verifier?: string; redirectUri: string; browser: TestBrowser }> {
  const { params, verifier } = codeRequest(request);
  let page = await browser.authorize(params);
  if (isConsentPage(page)) page = await decide(browser, consentForm(page), 'allow');
  const redirectUri = params.redirect_uri ?? REDIRECT_URI;
  const callback = callbackParams(page, redirectUri);
  const code = callback.get('code');
  if (!code) throw new Error(`no code in ${page.location}`);
  return { code, verifier, redirectUri, browser };
}

/** POST /oauth/token with grant_type=authorization_code and the client's usual authentication. */
export function exchangeCode(
  server: TestApp,
  client: TestClient,
  params: { code: string; code_verifier?: string; redirect_uri?: string },
): Promise<TokenCall> {
  const auth = clientAuth(client);
  return postForm(
    server,
    { grant_type: 'authorization_code', ...params, ...auth.params },
    auth.headers,
  );
}

/** The module's error page: 400 (by default), HTML, never a redirect, with the page security headers. */
export function expectErrorPage(page: Page, status = 400): void {
  expect({ status: page.status, location: page.location }).toEqual({ status, location: null });
  expect(page.headers.get('content-type')).toMatch(/^text\/html/);
  expect(page.text).toMatch(/<h1>/);
  expect(page.text).not.toContain('name="decision"');
  expectPageSecurityHeaders(page);
}

/** X-Frame-Options, CSP frame-ancestors, Referrer-Policy and Cache-Control of every page the module serves. */
export function expectPageSecurityHeaders(page: Page): void {
  expect(page.headers.get('x-frame-options')).toBe('DENY');
  expect(page.headers.get('content-security-policy')).toMatch(/frame-ancestors 'none'/);
  expect(page.headers.get('referrer-policy')).toBe('no-referrer');
  expect(page.headers.get('cache-control')).toBe('no-store');
  // The page's one style element is allowed by its hash; no inline style is allowed otherwise.
  const style = /<style>([\s\S]*?)<\/style>/.exec(page.text)?.[1] ?? '';
  const styleHash = createHash('sha256').update(style).digest('base64');
  expect(page.headers.get('content-security-policy')).toContain(`style-src 'sha256-${styleHash}'`);
  expect(page.headers.get('content-security-policy')).not.toContain('unsafe-inline');
}

/** An error sent to the client's redirect URI with state and iss (RFC 6749 §4.1.2.1, RFC 9207). */
export function expectRedirectError(
  page: Page,
  server: TestApp,
  error: string,
  options: { redirectUri?: string; state?: string | null } = {},
): URLSearchParams {
  const params = callbackParams(page, options.redirectUri ?? REDIRECT_URI);
  expect(params.get('error')).toBe(error);
  expect(params.get('iss')).toBe(server.url);
  const state = options.state === undefined ? 'state-123' : options.state;
  expect(params.get('state')).toBe(state);
  expect(params.has('code')).toBe(false);
  return params;
}

/** The sign-in redirect: /login?return_to=/oauth/authorize/interaction/<id>. Returns the interaction path. */
export function expectLoginRedirect(page: Page, server: TestApp): string {
  expect(page.status).toBe(303);
  const location = new URL(page.location!, server.url);
  expect(location.origin).toBe(server.url);
  expect(location.pathname).toBe('/login');
  const returnTo = location.searchParams.get('return_to')!;
  expect(returnTo).toMatch(/^\/oauth\/authorize\/interaction\/[A-Za-z0-9_-]{20,}$/);
  return returnTo;
}
