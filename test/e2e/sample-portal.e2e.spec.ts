// The sample app's developer portal (/developers) over HTTP, the way a browser without
// JavaScript uses it: sign in, register applications, see the secret once, rotate, delete,
// ownership, CSRF, and withdrawing the access given to an application.
import type { INestApplication } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import { ClientService } from '../../src';
import { BAD_CLIENT_URIS, BAD_REDIRECT_URIS } from '../support/client-uri-cases';
import { SAMPLE_ADAPTERS, startSample } from '../support/sample-app';

const REDIRECT_URI = 'https://app.example/callback';

/** A cookie-keeping client that never follows redirects. */
class Browser {
  private readonly cookies = new Map<string, string>();

  constructor(private readonly base: string) {}

  async get(path: string): Promise<Page> {
    return this.keep(await fetch(this.url(path), { redirect: 'manual', headers: this.headers() }));
  }

  async post(path: string, fields: Record<string, string | string[]>): Promise<Page> {
    const body = new URLSearchParams();
    for (const [name, value] of Object.entries(fields)) {
      for (const item of Array.isArray(value) ? value : [value]) body.append(name, item);
    }
    const response = await fetch(this.url(path), {
      method: 'POST',
      redirect: 'manual',
      headers: this.headers({ 'content-type': 'application/x-www-form-urlencoded' }),
      body: body.toString(),
    });
    return this.keep(response);
  }

  async signIn(username: string): Promise<void> {
    const page = await this.post('/login', { username, password: `${username}-password` });
    expect(page.status).toBe(303);
    expect(this.cookies.has('sid')).toBe(true);
  }

  /** The portal page and the CSRF token of its forms. */
  async portal(): Promise<Page & { csrfToken: string }> {
    const page = await this.get('/developers');
    expect(page.status).toBe(200);
    return { ...page, csrfToken: csrfTokenOf(page) };
  }

  /** Registers an application through the portal form; the credentials page. */
  async register(fields: Partial<Record<string, string | string[]>> = {}): Promise<Page> {
    const { csrfToken } = await this.portal();
    return this.post('/developers/apps', {
      csrf_token: csrfToken,
      name: 'Budget Buddy',
      website: 'https://app.example',
      redirect_uris: REDIRECT_URI,
      scope: ['accounts:read', 'openid'],
      client_type: 'confidential',
      ...(fields as Record<string, string | string[]>),
    });
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    const cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    return { ...(cookie ? { cookie } : {}), ...extra };
  }

  private url(path: string): string {
    return path.startsWith('http') ? path : `${this.base}${path}`;
  }

  private async keep(response: Response): Promise<Page> {
    for (const cookie of response.headers.getSetCookie()) {
      const [pair] = cookie.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (/Max-Age=0/i.test(cookie)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return {
      status: response.status,
      headers: response.headers,
      location: response.headers.get('location'),
      text: await response.text(),
    };
  }
}

interface Page {
  status: number;
  headers: Headers;
  location: string | null;
  text: string;
}

const decode = (value: string) =>
  value
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

function csrfTokenOf(page: Page): string {
  const token = /name="csrf_token" value="([^"]+)"/.exec(page.text)?.[1];
  if (!token) throw new Error(`no CSRF token on the page (${page.status})`);
  return token;
}

/** The value of a readonly input of the credentials page, or undefined when absent. */
function credential(page: Page, id: 'client-id' | 'client-secret'): string | undefined {
  const match = new RegExp(`<input\\s+id="${id}"[^>]*\\svalue="([^"]*)"`).exec(page.text);
  return match ? decode(match[1]) : undefined;
}

function expectPageHeaders(page: Page): void {
  expect(page.headers.get('x-frame-options')).toBe('DENY');
  expect(page.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
  expect(page.headers.get('content-security-policy')).toMatch(/frame-ancestors 'none'/);
  expect(page.headers.get('referrer-policy')).toBe('no-referrer');
  expect(page.headers.get('cache-control')).toBe('no-store');
  expect(page.headers.get('x-content-type-options')).toBe('nosniff');
}

function expectLoginRedirect(page: Page): void {
  expect(page.status).toBe(303);
  const location = new URL(page.location!, 'http://sample.invalid');
  expect(location.pathname).toBe('/login');
  expect(location.searchParams.get('return_to')).toBe('/developers');
}

/** The HTML of one section of the portal page: "your-apps" or "authorised". */
function section(page: Page, heading: 'your-apps' | 'authorised'): string {
  const match = new RegExp(`<section aria-labelledby="${heading}">([\\s\\S]*?)</section>`).exec(
    page.text,
  );
  if (!match) throw new Error(`no section ${heading}`);
  return match[1];
}

describe.each(SAMPLE_ADAPTERS)('sample app on %s: developer portal', (adapter) => {
  let app: INestApplication;
  let url: string;
  let clients: ClientService;

  beforeAll(async () => {
    ({ app, url } = await startSample({ SESSION_SECRET: 'a-test-session-secret' }, { adapter }));
    clients = app.get(ClientService);
  });
  afterAll(() => app?.close());

  const signedIn = async (username: string) => {
    const browser = new Browser(url);
    await browser.signIn(username);
    return browser;
  };

  /** POST /oauth/token with HTTP Basic client authentication. */
  const tokenRequest = (clientId: string, secret: string, fields: Record<string, string>) =>
    fetch(`${url}/oauth/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(
          `${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`,
        ).toString('base64')}`,
      },
      body: new URLSearchParams(fields).toString(),
    });

  describe('without a session', () => {
    it('sends GET /developers to the sign-in page, returning to the portal', async () => {
      expectLoginRedirect(await new Browser(url).get('/developers'));
    });

    it('registers nothing for a POST, and sends it to the sign-in page', async () => {
      const before = (await clients.list()).length;
      const page = await new Browser(url).post('/developers/apps', {
        name: 'Sneaky',
        redirect_uris: REDIRECT_URI,
        scope: 'accounts:read',
        client_type: 'confidential',
      });
      expectLoginRedirect(page);
      expect(await clients.list()).toHaveLength(before);
    });

    it('ignores a forged session cookie', async () => {
      const page = await fetch(`${url}/developers`, {
        redirect: 'manual',
        headers: { cookie: 'sid=someone.1700000000.AAAA' },
      });
      expect(page.status).toBe(303);
    });

    it('returns to the portal after signing in from there', async () => {
      const browser = new Browser(url);
      const login = await browser.get('/developers');
      const returnTo = new URL(login.location!, url).searchParams.get('return_to')!;
      const page = await browser.post('/login', {
        username: 'alice',
        password: 'alice-password',
        return_to: returnTo,
      });
      expect(page.status).toBe(303);
      expect(page.location).toBe('/developers');
    });
  });

  describe('the portal page', () => {
    it('is linked from the home page', async () => {
      const browser = await signedIn('alice');
      expect((await browser.get('/')).text).toContain('<a href="/developers">Developer portal</a>');
    });

    it('has a labelled registration form, with the security headers of every page', async () => {
      const browser = await signedIn('alice');
      const page = await browser.portal();
      expectPageHeaders(page);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      expect(page.text).toContain('Signed in as <strong>Alice Liddell</strong> (alice)');
      expect(page.text).toMatch(/<h2 id="register">Register an application<\/h2>/);
      expect(page.text).toMatch(/<form method="post" action="\/developers\/apps"/);
      expect(page.text).toMatch(/<label for="app-name">Name<\/label>\s*<input\s+id="app-name"/);
      expect(page.text).toMatch(
        /<label for="app-website">Website<\/label>\s*<input\s+id="app-website"/,
      );
      expect(page.text).toMatch(
        /<label for="app-redirect-uris">Redirect URIs<\/label>\s*<textarea\s+id="app-redirect-uris"\s+name="redirect_uris"/,
      );
      // "Which APIs": one labelled checkbox per scope, the product's names first.
      expect(page.text).toMatch(/<legend>APIs<\/legend>/);
      const checkboxes = [
        ...page.text.matchAll(
          /<input\s+type="checkbox"\s+id="(api-\d+)"\s+name="scope"\s+value="([^"]+)"/g,
        ),
      ];
      expect(checkboxes.map((m) => m[2])).toEqual([
        'accounts:read',
        'payments:write',
        'openid',
        'profile',
        'email',
        'offline_access',
      ]);
      expect(page.text).toContain(`<label for="${checkboxes[0][1]}">Account Information</label>`);
      expect(page.text).toContain(`<label for="${checkboxes[1][1]}">Payment Initiation</label>`);
      expect(page.text).toMatch(/<legend>Client type<\/legend>/);
      expect(page.text).toMatch(
        /<input\s+type="radio"\s+id="client-type-confidential"\s+name="client_type"\s+value="confidential"\s+checked/,
      );
      expect(page.text).toContain('<label for="client-type-confidential">Confidential</label>');
      expect(page.text).toContain('<label for="client-type-public">Public</label>');
      expect(page.text).toMatch(/<button type="submit">Register application<\/button>/);
      expect(page.text).toContain('You have not allowed any application to access your account.');
    });
  });

  describe('registering an application', () => {
    it('shows a confidential app its client_id and secret once, and the secret works', async () => {
      const browser = await signedIn('alice');
      const page = await browser.register({
        scope: ['accounts:read', 'payments:write', 'openid', 'offline_access'],
      });
      expect(page.status).toBe(200);
      expectPageHeaders(page);
      expect(page.text).toContain('<h1>Application registered</h1>');
      expect(page.text).toMatch(/shown only once/);
      const clientId = credential(page, 'client-id')!;
      const secret = credential(page, 'client-secret')!;
      expect(clientId).toMatch(/^[0-9a-f-]{36}$/);
      expect(secret.length).toBeGreaterThanOrEqual(32);

      const client = await clients.get(clientId);
      expect(client.owner).toEqual(expect.any(String));
      expect(client).toMatchObject({
        name: 'Budget Buddy',
        website: 'https://app.example',
        clientType: 'confidential',
        tokenEndpointAuthMethod: 'client_secret_basic',
        redirectUris: [REDIRECT_URI],
        scopes: ['accounts:read', 'payments:write', 'openid', 'offline_access'],
      });
      expect([...client.grantTypes].sort()).toEqual([
        'authorization_code',
        'client_credentials',
        'refresh_token',
      ]);

      // The secret authenticates the client at the token endpoint.
      const token = await tokenRequest(clientId, secret, {
        grant_type: 'client_credentials',
        scope: 'accounts:read',
      });
      expect(token.status).toBe(200);

      // The portal lists the app with its details, and never the secret again.
      const portal = await browser.portal();
      const apps = section(portal, 'your-apps');
      expect(apps).toContain('Budget Buddy');
      expect(apps).toContain(`<code>${clientId}</code>`);
      expect(apps).toContain(`<code>${REDIRECT_URI}</code>`);
      expect(apps).toContain('Account Information (<code>accounts:read</code>)');
      expect(apps).toContain('Payment Initiation (<code>payments:write</code>)');
      expect(apps).toMatch(/Confidential/);
      expect(apps).toMatch(
        /<button type="submit" aria-describedby="app-\d+-name">Rotate secret<\/button>/,
      );
      expect(apps).toMatch(
        /<button type="submit" aria-describedby="app-\d+-name">Delete<\/button>/,
      );
      expect(portal.text).not.toContain(secret);
      expect(portal.text).not.toMatch(/client-secret/);
    });

    it('registers the OpenID Connect logout URIs of an app and lists them', async () => {
      const browser = await signedIn('alice');
      const page = await browser.register({
        name: 'Signing Out',
        redirect_uris: REDIRECT_URI,
        post_logout_redirect_uris: 'https://app.example/signed-out\r\nhttps://app.example/bye\r\n',
        backchannel_logout_uri: 'https://app.example/backchannel-logout',
        client_type: 'confidential',
        scope: ['openid', 'accounts:read'],
      });
      expect(page.status).toBe(200);
      const clientId = credential(page, 'client-id')!;
      expect(await clients.get(clientId)).toMatchObject({
        postLogoutRedirectUris: ['https://app.example/signed-out', 'https://app.example/bye'],
        backchannelLogoutUri: 'https://app.example/backchannel-logout',
      });
      const apps = section(await browser.portal(), 'your-apps');
      const item = apps.split('<article').find((part) => part.includes('Signing Out'))!;
      expect(item).toContain('<dt>Sign-out return URIs</dt>');
      expect(item).toContain('<code>https://app.example/bye</code>');
      expect(item).toContain('<code>https://app.example/backchannel-logout</code>');
    });

    it('registers a public app without a secret or client credentials', async () => {
      const browser = await signedIn('alice');
      const page = await browser.register({
        name: 'Pocket App',
        website: '',
        redirect_uris: 'http://127.0.0.1:8765/callback\r\ncom.example.pocket:/callback\r\n',
        client_type: 'public',
        scope: ['accounts:read'],
      });
      expect(page.status).toBe(200);
      const clientId = credential(page, 'client-id')!;
      expect(credential(page, 'client-secret')).toBeUndefined();
      expect(page.text).toMatch(/no client secret/);
      expect(await clients.get(clientId)).toMatchObject({
        clientType: 'public',
        tokenEndpointAuthMethod: 'none',
        grantTypes: ['authorization_code', 'refresh_token'],
        website: null,
        redirectUris: ['http://127.0.0.1:8765/callback', 'com.example.pocket:/callback'],
      });
      // No "Rotate secret" for it in the list.
      const apps = section(await browser.portal(), 'your-apps');
      const item = apps.split('<li>').find((part) => part.includes(clientId))!;
      expect(item).not.toContain('Rotate secret');
    });

    it.each([
      [
        'an http redirect URI that is not loopback',
        { redirect_uris: 'http://app.example/callback' },
        /Redirect URI not accepted: &#39;http:\/\/app\.example\/callback&#39; uses http/,
        'app-redirect-uris',
      ],
      [
        'a redirect URI with a fragment',
        { redirect_uris: 'https://app.example/cb#x' },
        /Redirect URI not accepted: .*fragment/,
        'app-redirect-uris',
      ],
      [
        'a custom scheme for a confidential app',
        { redirect_uris: 'com.example.app:/cb' },
        /Redirect URI not accepted: .*custom scheme/,
        'app-redirect-uris',
      ],
      [
        'no redirect URI',
        { redirect_uris: '  \r\n ' },
        /Enter at least one redirect URI/,
        'app-redirect-uris',
      ],
      ['no name', { name: '  ' }, /Enter a name for the application/, 'app-name'],
      [
        'a website that is not http(s)',
        { website: 'javascript:alert(1)' },
        /Website not accepted: client_uri must be an http\(s\) URL/,
        'app-website',
      ],
      ['no API', { scope: [] }, /Select at least one API/, 'api-0'],
      [
        'an unknown scope',
        { scope: ['accounts:read', 'admin'] },
        /&quot;admin&quot; is not an API/,
        'api-0',
      ],
      [
        'a sign-out redirect URI with a fragment',
        { post_logout_redirect_uris: 'https://app.example/out#x' },
        /Sign-out return URI not accepted: .*fragment/,
        'app-post-logout-redirect-uris',
      ],
      [
        'an http back-channel logout URI that is not loopback',
        { backchannel_logout_uri: 'http://app.example/bc' },
        /Back-channel logout URI not accepted: .*uses http/,
        'app-backchannel-logout-uri',
      ],
      [
        'no client type',
        { client_type: 'other' },
        /Choose whether the application is confidential, public, a device or FAPI 2.0/,
        'client-type-confidential',
      ],
      [
        'a FAPI 2.0 app without public keys',
        { client_type: 'fapi' },
        /Paste the public keys/,
        'app-jwks',
      ],
      [
        'a FAPI 2.0 app whose keys are not JSON',
        { client_type: 'fapi', jwks: '{"keys": [' },
        /The public keys are not JSON/,
        'app-jwks',
      ],
      [
        'a FAPI 2.0 app with an empty key set',
        { client_type: 'fapi', jwks: '{"keys": []}' },
        /Public keys not accepted: jwks must be a JWK Set with at least one key/,
        'app-jwks',
      ],
    ])('re-renders the form with a message (400) for %s', async (_, fields, message, fieldId) => {
      const browser = await signedIn('bob');
      const before = (await clients.list()).length;
      const page = await browser.register(fields as Record<string, string | string[]>);
      expect(page.status).toBe(400);
      expectPageHeaders(page);
      expect(page.text).toMatch(/<p class="error" role="alert" id="form-error">/);
      expect(page.text).toMatch(message);
      // The field is marked invalid and described by the message.
      expect(page.text).toMatch(
        new RegExp(`id="${fieldId}"[^>]*aria-invalid="true"[^>]*aria-describedby="form-error`),
      );
      // What was typed is kept.
      if (!('name' in fields)) expect(page.text).toContain('value="Budget Buddy"');
      expect(await clients.list()).toHaveLength(before);
    });

    // The shared table of DCR and the CLI (less what the form's trimming of each line removes).
    it.each([
      ...BAD_REDIRECT_URIS.filter(([, uri]) => uri.trim() === uri).map(
        ([label, uri]): [string, Record<string, string>, RegExp, string] => [
          `a redirect URI with ${label}`,
          { redirect_uris: uri },
          /Redirect URI not accepted: /,
          'app-redirect-uris',
        ],
      ),
      ...BAD_CLIENT_URIS.filter(([, uri]) => uri.trim() === uri).map(
        ([label, uri]): [string, Record<string, string>, RegExp, string] => [
          `a website with ${label}`,
          { website: uri },
          /Website not accepted: client_uri /,
          'app-website',
        ],
      ),
    ])(
      'refuses %s with the rules of DCR (400, the field marked)',
      async (_, fields, message, fieldId) => {
        const browser = await signedIn('bob');
        const before = (await clients.list()).length;
        const page = await browser.register(fields);
        expect(page.status).toBe(400);
        expect(page.text).toMatch(message);
        expect(page.text).toMatch(
          new RegExp(`id="${fieldId}"[^>]*aria-invalid="true"[^>]*aria-describedby="form-error`),
        );
        expect(page.text).not.toMatch(/<script>|"onmouseover=|'onclick=/);
        expect(await clients.list()).toHaveLength(before);
      },
    );

    it('escapes what the user typed, on the form and in the list', async () => {
      const browser = await signedIn('bob');
      const name = '<script>alert("x")</script>';
      const failed = await browser.register({ name, redirect_uris: 'http://evil.example/"><b>' });
      expect(failed.status).toBe(400);
      expect(failed.text).not.toContain('<script>alert');
      expect(failed.text).not.toContain('"><b>');
      expect(failed.text).toContain('value="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"');

      const page = await browser.register({ name });
      expect(page.status).toBe(200);
      expect(page.text).not.toContain('<script>alert');
      const portal = await browser.portal();
      expect(portal.text).not.toContain('<script>alert');
      expect(portal.text).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    });
  });

  describe('rotating the secret', () => {
    it('shows a new secret once; the old one stops working', async () => {
      const browser = await signedIn('alice');
      const registered = await browser.register({ name: 'Rotator' });
      const clientId = credential(registered, 'client-id')!;
      const oldSecret = credential(registered, 'client-secret')!;

      const { csrfToken } = await browser.portal();
      const page = await browser.post(`/developers/apps/${clientId}/secret`, {
        csrf_token: csrfToken,
      });
      expect(page.status).toBe(200);
      expectPageHeaders(page);
      expect(page.text).toContain('<h1>New client secret</h1>');
      expect(page.text).toMatch(/shown only once/);
      expect(credential(page, 'client-id')).toBe(clientId);
      const newSecret = credential(page, 'client-secret')!;
      expect(newSecret).toBeTruthy();
      expect(newSecret).not.toBe(oldSecret);

      const fields = { grant_type: 'client_credentials', scope: 'accounts:read' };
      expect((await tokenRequest(clientId, oldSecret, fields)).status).toBe(401);
      expect((await tokenRequest(clientId, newSecret, fields)).status).toBe(200);
      expect((await browser.portal()).text).not.toContain(newSecret);
    });

    it('refuses for a public app (400): it has no secret', async () => {
      const browser = await signedIn('alice');
      const registered = await browser.register({ name: 'No secret', client_type: 'public' });
      const clientId = credential(registered, 'client-id')!;
      const { csrfToken } = await browser.portal();
      const page = await browser.post(`/developers/apps/${clientId}/secret`, {
        csrf_token: csrfToken,
      });
      expect(page.status).toBe(400);
      expect(page.text).toMatch(/no client secret to rotate/);
    });
  });

  describe('deleting an application', () => {
    it('deletes it: gone from the list and from the server, its tokens refused', async () => {
      const browser = await signedIn('alice');
      const registered = await browser.register({ name: 'Short-lived' });
      const clientId = credential(registered, 'client-id')!;
      const secret = credential(registered, 'client-secret')!;
      const token = await (
        await tokenRequest(clientId, secret, {
          grant_type: 'client_credentials',
          scope: 'accounts:read',
        })
      ).json();
      const api = () =>
        fetch(`${url}/api/accounts`, {
          headers: { authorization: `Bearer ${token.access_token}` },
        });
      expect((await api()).status).toBe(200);

      const { csrfToken } = await browser.portal();
      const page = await browser.post(`/developers/apps/${clientId}/delete`, {
        csrf_token: csrfToken,
      });
      expect(page.status).toBe(303);
      expect(page.location).toBe('/developers?done=deleted');
      const portal = await browser.get(page.location!);
      expect(portal.text).toContain('<p role="status">The application was deleted.');
      expect(portal.text).not.toContain(clientId);
      await expect(clients.get(clientId)).rejects.toThrow(/No client/);
      expect((await api()).status).toBe(401);
      const fields = { grant_type: 'client_credentials', scope: 'accounts:read' };
      expect((await tokenRequest(clientId, secret, fields)).status).toBe(401);
    });

    it('answers 404 for a client_id that does not exist', async () => {
      const browser = await signedIn('alice');
      const { csrfToken } = await browser.portal();
      const page = await browser.post('/developers/apps/no-such-client/delete', {
        csrf_token: csrfToken,
      });
      expect(page.status).toBe(404);
      expectPageHeaders(page);
    });
  });

  describe('ownership', () => {
    it("bob neither sees nor changes alice's application (404, as if it did not exist)", async () => {
      const alice = await signedIn('alice');
      const registered = await alice.register({ name: 'Alice only' });
      const clientId = credential(registered, 'client-id')!;
      const secret = credential(registered, 'client-secret')!;

      const bob = await signedIn('bob');
      const bobsPortal = await bob.portal();
      expect(bobsPortal.text).not.toContain(clientId);
      expect(bobsPortal.text).not.toContain('Alice only');

      for (const action of ['delete', 'secret']) {
        const page = await bob.post(`/developers/apps/${clientId}/${action}`, {
          csrf_token: bobsPortal.csrfToken,
        });
        expect(page.status).toBe(404);
        expect(page.text).not.toContain('Alice only');
        expect(page.text).not.toContain('client-secret');
      }
      expect(await clients.get(clientId)).toMatchObject({ name: 'Alice only' });
      const fields = { grant_type: 'client_credentials', scope: 'accounts:read' };
      expect((await tokenRequest(clientId, secret, fields)).status).toBe(200);
      expect((await alice.portal()).text).toContain(clientId);
    });
  });

  describe('CSRF', () => {
    it('refuses every form without the session’s CSRF token (403) and changes nothing', async () => {
      const alice = await signedIn('alice');
      const registered = await alice.register({ name: 'Guarded' });
      const clientId = credential(registered, 'client-id')!;
      const secret = credential(registered, 'client-secret')!;
      const bobsToken = (await (await signedIn('bob')).portal()).csrfToken;
      const before = (await clients.list()).length;

      const registration = {
        name: 'Forged',
        redirect_uris: REDIRECT_URI,
        scope: 'accounts:read',
        client_type: 'confidential',
      };
      for (const token of [undefined, '', 'forged', bobsToken]) {
        const csrf: Record<string, string> = token === undefined ? {} : { csrf_token: token };
        for (const [path, fields] of [
          ['/developers/apps', registration],
          [`/developers/apps/${clientId}/secret`, {}],
          [`/developers/apps/${clientId}/delete`, {}],
          [`/developers/authorised/${clientId}/revoke`, {}],
        ] as const) {
          const page = await alice.post(path, { ...fields, ...csrf });
          expect({ path, token, status: page.status }).toEqual({ path, token, status: 403 });
          expectPageHeaders(page);
        }
      }
      expect(await clients.list()).toHaveLength(before);
      const fields = { grant_type: 'client_credentials', scope: 'accounts:read' };
      expect((await tokenRequest(clientId, secret, fields)).status).toBe(200);
    });
  });

  describe('apps you authorised', () => {
    /** The code flow in `browser` (signed in) for `clientId`, allowing at the consent page. */
    async function authorize(browser: Browser, clientId: string, secret: string) {
      const verifier = randomBytes(32).toString('base64url');
      const challenge = createHash('sha256').update(verifier).digest('base64url');
      const query = new URLSearchParams({
        response_type: 'code',
        client_id: clientId,
        redirect_uri: REDIRECT_URI,
        scope: 'openid accounts:read',
        state: 'state-1',
        code_challenge: challenge,
        code_challenge_method: 'S256',
      });
      const consent = await browser.get(`/oauth/authorize?${query}`);
      expect(consent.status).toBe(200);
      expect(consent.text).toContain('name="decision" value="allow"');
      const action = decode(/<form method="post" action="([^"]+)"/.exec(consent.text)![1]);
      const decided = await browser.post(action, {
        csrf_token: csrfTokenOf(consent),
        decision: 'allow',
      });
      expect(decided.status).toBe(303);
      const code = new URL(decided.location!).searchParams.get('code')!;
      const token = await tokenRequest(clientId, secret, {
        grant_type: 'authorization_code',
        code,
        redirect_uri: REDIRECT_URI,
        code_verifier: verifier,
      });
      expect(token.status).toBe(200);
      return (await token.json()) as { access_token: string; refresh_token?: string };
    }

    it('lists the apps alice allowed, and "Revoke access" makes their tokens stop working', async () => {
      // bob develops the app; alice uses it.
      const bob = await signedIn('bob');
      const registered = await bob.register({ name: "Bob's Budget" });
      const clientId = credential(registered, 'client-id')!;
      const secret = credential(registered, 'client-secret')!;

      const alice = await signedIn('alice');
      const { access_token } = await authorize(alice, clientId, secret);
      const api = () =>
        fetch(`${url}/api/accounts`, { headers: { authorization: `Bearer ${access_token}` } });
      expect((await api()).status).toBe(200);

      const portal = await alice.portal();
      const authorised = section(portal, 'authorised');
      expect(authorised).toContain('Bob&#39;s Budget');
      expect(authorised).toContain('Sign you in with your identity (<code>openid</code>)');
      expect(authorised).toContain(
        'Read your account information and balances (<code>accounts:read</code>)',
      );
      expect(authorised).toMatch(
        new RegExp(
          `<form\\s+method="post"\\s+action="/developers/authorised/${clientId}/revoke"\\s*>[\\s\\S]*?<button type="submit" aria-describedby="authorised-0-name">Revoke access</button>`,
        ),
      );
      // Not bob's own list of authorised apps.
      expect(section(await bob.portal(), 'authorised')).not.toContain('Bob&#39;s Budget');

      const revoked = await alice.post(`/developers/authorised/${clientId}/revoke`, {
        csrf_token: portal.csrfToken,
      });
      expect(revoked.status).toBe(303);
      expect(revoked.location).toBe('/developers?done=revoked');
      expect((await api()).status).toBe(401);
      const after = await alice.get(revoked.location!);
      expect(after.text).toContain('<p role="status">Access revoked');
      expect(section(after, 'authorised')).not.toContain('Bob&#39;s Budget');
      // The consent is forgotten: the next authorization asks alice again.
      const query = new URLSearchParams({
        response_type: 'code',
        client_id: clientId,
        redirect_uri: REDIRECT_URI,
        scope: 'accounts:read',
        code_challenge: createHash('sha256').update('a'.repeat(43)).digest('base64url'),
        code_challenge_method: 'S256',
      });
      expect((await alice.get(`/oauth/authorize?${query}`)).text).toContain(
        'name="decision" value="allow"',
      );
      // The app itself is untouched: it is bob's.
      expect(await clients.get(clientId)).toMatchObject({ name: "Bob's Budget" });
    });
  });
});
