// Error bodies, challenges and redirects under hostile input (issue #15 item 5): whatever a client
// sends (control characters, CR LF, quotes, backslashes, non-ASCII, very long strings, in
// parameter names and values, Authorization and Host headers), every endpoint answers without a
// 5xx; every `error` / `error_description` (JSON bodies, RFC 6750 `WWW-Authenticate` challenges,
// the authorization endpoint's error redirects) stays within RFC 6749 §5.2's character set
// (%x20-21 / %x23-5B / %x5D-7E), is bounded, and every response the module writes carries
// `X-Content-Type-Options: nosniff`.
import { Controller, Get, UseGuards } from '@nestjs/common';
import fc from 'fast-check';
import { OAuthGuard, Scopes } from '../../src';
import { TEST_TARGETS } from '../support/targets';
import { startTestApp, TestApp } from '../support/test-app';
import {
  basicAuth,
  basicHeaders,
  rawRequest,
  RawResponse,
  REDIRECT_URI,
  registerCodeClient,
  registerServiceClient,
  TestClient,
} from '../support/token-helpers';

/** RFC 6749 §5.2: error and error_description are printable ASCII without `"` and `\`. */
const RFC_CHARSET = /^[\x20-\x21\x23-\x5B\x5D-\x7E]*$/;
const MAX_DESCRIPTION = 300;
/** One RFC 6750 §3 challenge: a scheme, then `name="value"` pairs whose values keep the charset. */
const CHALLENGE =
  /^(Bearer|Basic) realm="[\x20-\x21\x23-\x5B\x5D-\x7E]*"(, [a-z_]+="[\x20-\x21\x23-\x5B\x5D-\x7E]*")*$/;
const INITIAL_ACCESS_TOKEN = 'initial-access-token-for-error-bodies';

@Controller('api')
@UseGuards(OAuthGuard)
@Scopes('accounts:read')
class GuardedController {
  @Get('accounts')
  accounts() {
    return { ok: true };
  }
}

// ---------------------------------------------------------------------------------------------
// Hostile input

const HOSTILE_PIECES = [
  '\r\n',
  '\r\nX-Injected: 1',
  '\n',
  '\r',
  '\0',
  '\x01',
  '\x1b[31m',
  '\x7f',
  '"',
  '\\',
  '\\"',
  "'",
  '<script>',
  '&amp;',
  ' ',
  '\t',
  'é',
  'bänk.example',
  '中文',
  '\u2028',
  '\u{1F600}',
  '\uFEFF',
  '\uD800',
  '%',
  '%0d%0a',
];
const hostilePiece = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...HOSTILE_PIECES) },
  { weight: 2, arbitrary: fc.string({ maxLength: 6 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 4 }) },
);
/** Real parameter values, so the request gets past the first checks before the hostile part. */
const PLAUSIBLE = [
  'client_credentials',
  'authorization_code',
  'refresh_token',
  'code',
  'accounts:read',
  'openid',
  'S256',
  'plain',
  'none',
  'access_token',
  'refresh_token',
  'https://app.example/cb',
  'https://bänk.example/cb',
  'http://example.com/cb',
  'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
];
const hostile: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.array(hostilePiece, { maxLength: 8 }).map((parts) => parts.join('')) },
  {
    weight: 4,
    arbitrary: fc
      .tuple(fc.constantFrom(...PLAUSIBLE), fc.array(hostilePiece, { minLength: 1, maxLength: 4 }))
      .map(([value, parts]) => value + parts.join('')),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(hostilePiece, fc.integer({ min: 100, max: 3000 }))
      .map(([piece, times]) => `accounts:read${(piece || '"').repeat(times)}`.slice(0, 2000)),
  },
  { weight: 1, arbitrary: fc.constantFrom(...PLAUSIBLE) },
);

/** Percent-encodes every byte but unreserved ones; `latin1` sends invalid UTF-8 on purpose. */
function percentEncode(text: string, encoding: 'utf8' | 'latin1' = 'utf8'): string {
  let out = '';
  for (const byte of Buffer.from(text, encoding)) {
    const char = String.fromCharCode(byte);
    out += /[A-Za-z0-9._~-]/.test(char) ? char : `%${byte.toString(16).padStart(2, '0')}`;
  }
  return out;
}

function form(entries: [string, string][], encoding: 'utf8' | 'latin1'): string {
  return entries
    .map(([name, value]) => `${percentEncode(name, encoding)}=${percentEncode(value, encoding)}`)
    .join('&');
}

const encoding = fc.constantFrom<'utf8' | 'latin1'>('utf8', 'utf8', 'utf8', 'latin1');

/** Parameters: known names (some with plausible values) plus hostile names (`a[b]` too). */
function paramsOf(names: string[]): fc.Arbitrary<[string, string][]> {
  const entry = fc.tuple(
    fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom(...names) },
      { weight: 1, arbitrary: hostile },
      { weight: 1, arbitrary: hostile.map((name) => `${name}[x]`) },
    ),
    hostile,
  );
  return fc.array(entry, { minLength: 1, maxLength: 6 });
}

/** Header values Node's client can send (no CR LF or controls but tab; Latin-1 bytes are fine). */
const headerSafe = (text: string) =>
  Array.from(text)
    .filter((char) => /^[\t\x20-\x7e\x80-\xff]$/.test(char))
    .join('');

const hostileHeader = hostile.map(headerSafe);

function authorizationFor(client: TestClient): fc.Arbitrary<string | undefined> {
  return fc.oneof(
    fc.constant(undefined),
    fc.constant(basicAuth(client.clientId, client.clientSecret!)),
    hostileHeader.map((value) => `Bearer ${value}`),
    hostileHeader,
    fc
      .tuple(hostile, hostile)
      .map(([id, secret]) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`),
    hostileHeader.map((value) => `Basic ${value}`),
  );
}

const hostHeader = fc.option(hostileHeader, { nil: undefined });

// ---------------------------------------------------------------------------------------------
// What every answer must satisfy

function descriptionProblem(label: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') return `${label} is not a string: ${JSON.stringify(value)}`;
  if (!RFC_CHARSET.test(value)) return `${label} outside RFC 6749 §5.2: ${JSON.stringify(value)}`;
  if (value.length > MAX_DESCRIPTION) return `${label} is ${value.length} characters long`;
  return undefined;
}

function problem(response: RawResponse, issuer: string): string | undefined {
  const excerpt = () => JSON.stringify(response.text.slice(0, 300));
  if (response.status >= 500) return `status ${response.status}: ${excerpt()}`;
  if (response.headers['x-injected'] !== undefined) return 'an injected header came back';
  const type = String(response.headers['content-type'] ?? '');
  if (response.status >= 400 && /json/.test(type)) {
    let body: { error?: unknown; error_description?: unknown };
    try {
      body = JSON.parse(response.text);
    } catch {
      return `not JSON: ${excerpt()}`;
    }
    if (typeof body.error !== 'string') return `no error member: ${excerpt()}`;
    const bad =
      descriptionProblem('error', body.error) ??
      descriptionProblem('error_description', body.error_description);
    if (bad) return bad;
  }
  const challenge = response.headers['www-authenticate'];
  if (challenge !== undefined) {
    if (typeof challenge !== 'string' || !CHALLENGE.test(challenge)) {
      return `WWW-Authenticate does not parse: ${JSON.stringify(challenge)}`;
    }
    const description = /error_description="([^"]*)"/.exec(challenge)?.[1];
    const bad = descriptionProblem('challenge error_description', description);
    if (bad) return bad;
  }
  const location = response.headers.location;
  if (response.status >= 300 && response.status < 400 && typeof location === 'string') {
    const url = new URL(location, issuer);
    if (url.searchParams.has('error')) {
      const bad =
        descriptionProblem('redirect error', url.searchParams.get('error') ?? undefined) ??
        descriptionProblem(
          'redirect error_description',
          url.searchParams.get('error_description') ?? undefined,
        );
      if (bad) return bad;
    }
  }
  // 431: Node's HTTP server refused the request line or headers before any route ran.
  if (response.status !== 431 && response.headers['x-content-type-options'] !== 'nosniff') {
    return `no nosniff on a ${response.status}: ${excerpt()}`;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------

describe.each(TEST_TARGETS)('error bodies under hostile input (%s)', (target) => {
  let server: TestApp;
  let service: TestClient;
  let web: TestClient;
  let registered: { clientId: string; token: string };
  beforeAll(async () => {
    server = await startTestApp(
      target,
      { registration: { enabled: true, initialAccessToken: INITIAL_ACCESS_TOKEN } },
      { controllers: [GuardedController] },
    );
    service = await registerServiceClient(server);
    web = await registerCodeClient(server);
    const response = await fetch(`${server.url}/oauth/register`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${INITIAL_ACCESS_TOKEN}`,
      },
      body: JSON.stringify({ client_name: 'Registered', redirect_uris: [REDIRECT_URI] }),
    });
    const body = (await response.json()) as {
      client_id: string;
      registration_access_token: string;
    };
    registered = { clientId: body.client_id, token: body.registration_access_token };
  });
  afterAll(() => server.close());

  // No shrinking: hostile strings run to thousands of characters and shrinking them takes minutes;
  // the first counterexample says enough.
  const runs = { numRuns: 100, endOnFailure: true };
  const send = async (options: Parameters<typeof rawRequest>[1], host?: string) => {
    const headers = { ...(options.headers ?? {}) };
    if (host !== undefined) headers.host = host;
    const response = await rawRequest(server, { ...options, headers });
    return problem(response, server.url);
  };

  it('POST /oauth/token', async () => {
    await fc.assert(
      fc.asyncProperty(
        paramsOf([
          'grant_type',
          'scope',
          'client_id',
          'client_secret',
          'code',
          'redirect_uri',
          'code_verifier',
          'refresh_token',
          'resource',
          'client_assertion_type',
          'client_assertion',
        ]),
        fc.constantFrom('client_credentials', 'authorization_code', 'refresh_token', undefined),
        authorizationFor(service),
        encoding,
        hostHeader,
        async (params, grantType, authorization, charset, host) => {
          if (grantType) params.unshift(['grant_type', grantType]);
          const headers: Record<string, string> = {
            'content-type': 'application/x-www-form-urlencoded',
          };
          if (authorization !== undefined) headers.authorization = authorization;
          expect(await send({ body: form(params, charset), headers }, host)).toBeUndefined();
        },
      ),
      runs,
    );
  });

  it('POST /oauth/revoke and /oauth/introspect', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('/oauth/revoke', '/oauth/introspect'),
        paramsOf(['token', 'token_type_hint', 'client_id', 'client_secret']),
        authorizationFor(service),
        encoding,
        hostHeader,
        async (path, params, authorization, charset, host) => {
          const headers: Record<string, string> = {
            'content-type': 'application/x-www-form-urlencoded',
          };
          if (authorization !== undefined) headers.authorization = authorization;
          expect(await send({ path, body: form(params, charset), headers }, host)).toBeUndefined();
        },
      ),
      runs,
    );
  });

  it('GET and POST /oauth/userinfo, and a host route behind OAuthGuard', async () => {
    await fc.assert(
      fc.asyncProperty(
        // The host route has GET only: its 404s for other methods are the host's, not ours.
        fc.constantFrom(
          ['GET', '/oauth/userinfo'],
          ['POST', '/oauth/userinfo'],
          ['PUT', '/oauth/userinfo'],
          ['GET', '/api/accounts'],
        ),
        authorizationFor(service),
        fc.option(hostile, { nil: undefined }),
        hostHeader,
        async ([method, path], authorization, queryToken, host) => {
          const headers: Record<string, string> = {};
          if (authorization !== undefined) headers.authorization = authorization;
          const query =
            queryToken === undefined ? '' : `?access_token=${percentEncode(queryToken)}`;
          expect(await send({ method, path: `${path}${query}`, headers }, host)).toBeUndefined();
        },
      ),
      runs,
    );
  });

  const metadata = fc.dictionary(
    fc.oneof(
      {
        weight: 4,
        arbitrary: fc.constantFrom(
          'client_name',
          'client_uri',
          'redirect_uris',
          'grant_types',
          'response_types',
          'scope',
          'token_endpoint_auth_method',
          'jwks',
          'client_id',
        ),
      },
      { weight: 1, arbitrary: hostile },
    ),
    fc.oneof(hostile, fc.array(hostile, { maxLength: 3 }), fc.constant(null), fc.integer()),
    { maxKeys: 6 },
  );

  it('POST /oauth/register', async () => {
    await fc.assert(
      fc.asyncProperty(
        metadata,
        fc.oneof(
          fc.constant(`Bearer ${INITIAL_ACCESS_TOKEN}`),
          fc.constant(`Bearer ${INITIAL_ACCESS_TOKEN}`),
          hostileHeader.map((value) => `Bearer ${value}`),
          hostileHeader,
        ),
        fc.constantFrom('application/json', 'application/x-www-form-urlencoded', 'text/plain'),
        hostHeader,
        async (fields, authorization, type, host) => {
          const body =
            type === 'application/x-www-form-urlencoded'
              ? form(
                  Object.entries(fields).map(([k, v]) => [k, String(v)]),
                  'utf8',
                )
              : JSON.stringify(fields);
          const headers = { 'content-type': type, authorization };
          expect(await send({ path: '/oauth/register', body, headers }, host)).toBeUndefined();
        },
      ),
      runs,
    );
  });

  it('GET, PUT and DELETE /oauth/register/:client_id', async () => {
    // Fastify's router answers a path parameter over its `maxParamLength` (100 by default) with
    // a 414 of its own, before any route of ours runs (docs/http-adapters.md): ids stay within it.
    const fitsRouter = (id: string) =>
      server.app.getHttpAdapter().getType() !== 'fastify' || percentEncode(id).length <= 100;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'PUT', 'PUT', 'DELETE'),
        // Not empty: /oauth/register/ with no id is no route of ours (the host's 404).
        fc.oneof(
          fc.constant(registered.clientId),
          hostile.filter((id) => id.length > 0 && fitsRouter(id)),
        ),
        fc.oneof(
          fc.constant(`Bearer ${registered.token}`),
          fc.constant(`Bearer ${registered.token}`),
          hostileHeader.map((value) => `Bearer ${value}`),
        ),
        metadata,
        hostHeader,
        async (method, clientId, authorization, fields, host) => {
          // A DELETE with the real token would remove the client the other runs need.
          if (method === 'DELETE' && clientId === registered.clientId) clientId = `${clientId}x`;
          const body =
            method === 'PUT'
              ? JSON.stringify({ client_id: registered.clientId, ...fields })
              : undefined;
          expect(
            await send(
              {
                method,
                path: `/oauth/register/${percentEncode(clientId)}`,
                body,
                headers: { 'content-type': 'application/json', authorization },
              },
              host,
            ),
          ).toBeUndefined();
        },
      ),
      runs,
    );
  });

  const AUTHORIZE_PARAMS = [
    'response_type',
    'scope',
    'state',
    'nonce',
    'code_challenge',
    'code_challenge_method',
    'prompt',
    'max_age',
    'resource',
    'response_mode',
    'login_hint',
  ];

  it('GET and POST /oauth/authorize: error redirects and error pages', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'POST'),
        paramsOf(AUTHORIZE_PARAMS),
        fc.oneof({ weight: 4, arbitrary: fc.constant('real') }, { weight: 1, arbitrary: hostile }),
        fc.oneof(
          { weight: 4, arbitrary: fc.constant(REDIRECT_URI) },
          { weight: 1, arbitrary: hostile },
        ),
        fc.boolean(),
        encoding,
        hostHeader,
        async (method, params, clientId, redirectUri, signedIn, charset, host) => {
          params.unshift(
            ['client_id', clientId === 'real' ? web.clientId : clientId],
            ['redirect_uri', redirectUri],
          );
          if (!params.some(([name]) => name === 'response_type'))
            params.push(['response_type', 'code']);
          const query = form(params, charset);
          const headers: Record<string, string> = signedIn ? { 'x-test-user': 'user-alice' } : {};
          const options =
            method === 'GET'
              ? { method, path: `/oauth/authorize?${query}`, headers }
              : {
                  method,
                  path: '/oauth/authorize',
                  body: query,
                  headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
                };
          expect(await send(options, host)).toBeUndefined();
        },
      ),
      runs,
    );
  });

  it('malformed bodies (bad JSON, bad charset, bad gzip) on every POST endpoint', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(
          '/oauth/token',
          '/oauth/revoke',
          '/oauth/introspect',
          '/oauth/register',
          '/oauth/authorize',
        ),
        fc.constantFrom<Record<string, string>>(
          { 'content-type': 'application/json' },
          { 'content-type': 'application/x-www-form-urlencoded; charset=utf-16' },
          { 'content-type': 'application/json; charset=koi8-xx' },
          { 'content-type': 'application/x-www-form-urlencoded', 'content-encoding': 'gzip' },
          { 'content-type': 'application/x-www-form-urlencoded', 'content-encoding': 'br"\\' },
        ),
        hostile,
        async (path, headers, payload) => {
          expect(
            await send({
              path,
              body: `{${payload}`,
              headers: { ...headers, authorization: basicHeaders(service).authorization },
            }),
          ).toBeUndefined();
        },
      ),
      { ...runs, numRuns: 40 },
    );
  });

  it('successful answers of the module carry nosniff too (discovery, JWKS, token)', async () => {
    for (const path of [
      '/.well-known/oauth-authorization-server',
      '/.well-known/openid-configuration',
      '/oauth/jwks',
    ]) {
      const response = await rawRequest(server, { method: 'GET', path });
      expect({
        path,
        status: response.status,
        nosniff: response.headers['x-content-type-options'],
      }).toEqual({
        path,
        status: 200,
        nosniff: 'nosniff',
      });
    }
    const token = await rawRequest(server, {
      body: 'grant_type=client_credentials',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...basicHeaders(service) },
    });
    expect([token.status, token.headers['x-content-type-options']]).toEqual([200, 'nosniff']);
  });
});
