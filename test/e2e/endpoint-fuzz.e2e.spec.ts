// Property-based robustness of the endpoints other than /oauth/token (which has its own suite):
// whatever arrives, the answer is a 4xx (or a redirect / page where the protocol says so),
// never a 5xx, never a stack trace, and JSON endpoints answer with an `error` member.
import fc from 'fast-check';
import { TEST_TARGETS } from '../support/targets';
import { startTestApp, TestApp } from '../support/test-app';
import {
  basicHeaders,
  rawRequest,
  RawResponse,
  registerCodeClient,
  TestClient,
} from '../support/token-helpers';

const STACK_TRACE =
  /\bat [\w.<>$]+ \([^)]*:\d+:\d+\)|node_modules\/|QueryFailedError|TypeError:|ReferenceError:/;
const PARAM_NAMES = [
  'response_type',
  'client_id',
  'redirect_uri',
  'scope',
  'state',
  'nonce',
  'code_challenge',
  'code_challenge_method',
  'prompt',
  'max_age',
  'login_hint',
  'resource',
  'request',
  'token',
  'token_type_hint',
  'client_secret',
  'csrf_token',
  'decision',
  '__proto__',
  'a[b]',
];
const CONTENT_TYPES = [
  undefined,
  'application/x-www-form-urlencoded',
  'application/json',
  'text/plain',
  'multipart/form-data; boundary=x',
  'application/x-www-form-urlencoded; charset=utf-16',
];

const value = fc.oneof(
  fc.string(),
  fc.constantFrom('code', 'none', 'S256', 'plain', '0', '-1', 'https://app.example/cb'),
);
const params = fc.dictionary(fc.constantFrom(...PARAM_NAMES), value, { maxKeys: 8 });
const encode = (entries: Record<string, string>) =>
  Object.entries(entries)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .join('&');
const body = fc.oneof(
  params.map(encode),
  params.map((p) => JSON.stringify(p)),
  fc.string({ maxLength: 300 }),
  fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes).toString('latin1')),
);
const headerSafe = (text: string) => /^[\t\x20-\x7e]*$/.test(text);
const authorization = fc.option(
  fc.oneof(
    fc.string().map((s) => `Bearer ${s}`),
    fc.string().map((s) => `Basic ${s}`),
    fc.string(),
  ),
  { nil: undefined },
);

function problem(response: RawResponse, json: boolean): string | undefined {
  if (response.status >= 500) return `status ${response.status}: ${response.text.slice(0, 200)}`;
  if (STACK_TRACE.test(response.text)) return `leaks internals: ${response.text.slice(0, 300)}`;
  if (json && response.status >= 400) {
    try {
      if (typeof JSON.parse(response.text).error !== 'string')
        return `no error member: ${response.text.slice(0, 200)}`;
    } catch {
      return `not JSON: ${response.text.slice(0, 200)}`;
    }
  }
  return undefined;
}

describe.each(TEST_TARGETS)('endpoint robustness (%s)', (target) => {
  let server: TestApp;
  let client: TestClient;
  beforeAll(async () => {
    server = await startTestApp(target, {
      registration: { enabled: true, initialAccessToken: 'initial-access-token-for-fuzzing' },
    });
    client = await registerCodeClient(server);
  });
  afterAll(() => server.close());

  const runs = { numRuns: 150 };

  it('GET /oauth/authorize with random parameters: a redirect, a page or a 4xx, never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(params, fc.boolean(), fc.boolean(), async (query, realClient, signedIn) => {
        if (realClient) query.client_id = client.clientId;
        const response = await rawRequest(server, {
          method: 'GET',
          path: `/oauth/authorize?${encode(query)}`,
          headers: signedIn ? { 'x-test-user': 'user-alice' } : {},
        });
        expect(problem(response, false)).toBeUndefined();
      }),
      runs,
    );
  });

  it('POST to the authorization and interaction endpoints with random bodies', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(
          '/oauth/authorize',
          '/oauth/authorize/interaction/x',
          '/oauth/authorize/interaction/%00',
        ),
        body,
        fc.constantFrom(...CONTENT_TYPES),
        async (path, payload, type) => {
          const response = await rawRequest(server, {
            path,
            body: payload,
            headers: { ...(type ? { 'content-type': type } : {}), 'x-test-user': 'user-alice' },
          });
          expect(problem(response, false)).toBeUndefined();
        },
      ),
      runs,
    );
  });

  it('revocation and introspection: random bodies and credentials get JSON errors', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('/oauth/revoke', '/oauth/introspect'),
        body,
        fc.constantFrom(...CONTENT_TYPES),
        fc.boolean(),
        authorization,
        async (path, payload, type, authenticated, auth) => {
          const headers: Record<string, string> = type ? { 'content-type': type } : {};
          if (authenticated) Object.assign(headers, basicHeaders(client));
          else if (auth !== undefined && headerSafe(auth)) headers.authorization = auth;
          const response = await rawRequest(server, { path, body: payload, headers });
          expect(problem(response, true)).toBeUndefined();
        },
      ),
      runs,
    );
  });

  it('registration, client configuration and userinfo: random methods, bodies and tokens', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'POST', 'PUT', 'DELETE'),
        fc.constantFrom(
          '/oauth/register',
          '/oauth/register/x',
          `/oauth/register/${encodeURIComponent('é"\'')}`,
          '/oauth/userinfo',
        ),
        body,
        fc.constantFrom(...CONTENT_TYPES),
        fc.oneof(authorization, fc.constant('Bearer initial-access-token-for-fuzzing')),
        async (method, path, payload, type, auth) => {
          const headers: Record<string, string> = type ? { 'content-type': type } : {};
          if (auth !== undefined && headerSafe(auth)) headers.authorization = auth;
          const response = await rawRequest(server, {
            method,
            path,
            body: method === 'GET' ? undefined : payload,
            headers,
          });
          expect(problem(response, true)).toBeUndefined();
        },
      ),
      runs,
    );
  });
});
