// Errors of POST /oauth/token (RFC 6749 §5.2): wrong method, wrong content type, missing,
// unknown, duplicated and malformed parameters, and a property-based test: whatever is thrown
// at the endpoint, the answer is a 4xx JSON error with an RFC error code, never a 5xx or a stack.
import fc from 'fast-check';
import { TEST_TARGETS } from '../support/targets';
import { startTestApp, TestApp } from '../support/test-app';
import {
  basicAuth,
  basicHeaders,
  postForm,
  rawRequest,
  RawResponse,
  registerCodeClient,
  registerServiceClient,
  TestClient,
  TOKEN_ERROR_CODES,
} from '../support/token-helpers';

const FORM = 'application/x-www-form-urlencoded';

/** Anything that looks like a stack frame or a leaked exception (specific enough that echoed random input never matches). */
const STACK_TRACE =
  /\bat [\w.<>$]+ \([^)]*:\d+:\d+\)|\\n\s+at |node_modules\/|QueryFailedError|TypeError:|ReferenceError:/;

/** The response is an RFC 6749 §5.2 error: 4xx, JSON, a known error code, no internals. */
function rfcErrorProblem(response: RawResponse): string | undefined {
  if (response.status < 400 || response.status >= 500) return `status ${response.status}`;
  if (!/^application\/json\b/.test(String(response.headers['content-type'] ?? ''))) {
    return `content-type ${String(response.headers['content-type'])}`;
  }
  let body: unknown;
  try {
    body = JSON.parse(response.text);
  } catch {
    return `not JSON: ${response.text.slice(0, 200)}`;
  }
  const error = (body as { error?: unknown })?.error;
  if (typeof error !== 'string' || !(TOKEN_ERROR_CODES as readonly string[]).includes(error)) {
    return `not an RFC 6749 §5.2 error: ${response.text.slice(0, 300)}`;
  }
  const extra = Object.keys(body as object).filter(
    (key) => key !== 'error' && key !== 'error_description',
  );
  if (extra.length > 0)
    return `unexpected members ${extra.join(', ')}: ${response.text.slice(0, 300)}`;
  if (STACK_TRACE.test(response.text)) return `leaks internals: ${response.text.slice(0, 300)}`;
  if (response.headers['cache-control'] !== 'no-store')
    return `cache-control ${String(response.headers['cache-control'])}`;
  return undefined;
}

function expectRfcError(response: RawResponse, error: string, status = 400): void {
  expect(rfcErrorProblem(response)).toBeUndefined();
  expect({ status: response.status, error: JSON.parse(response.text).error }).toEqual({
    status,
    error,
  });
}

describe.each(TEST_TARGETS)('token endpoint errors (%s)', (target) => {
  let server: TestApp;
  let client: TestClient;
  let codeClient: TestClient;
  let publicClient: TestClient;
  beforeAll(async () => {
    server = await startTestApp(target);
    client = await registerServiceClient(server);
    codeClient = await registerCodeClient(server);
    publicClient = await registerCodeClient(server, { tokenEndpointAuthMethod: 'none' });
  });
  afterAll(() => server.close());

  const form = (body: string, headers: Record<string, string> = {}) =>
    rawRequest(server, {
      headers: { 'content-type': FORM, ...basicHeaders(client), ...headers },
      body,
    });

  it.each(['GET', 'PUT', 'DELETE', 'PATCH'])(
    'answers %s with 405 invalid_request and Allow: POST',
    async (method) => {
      const response = await rawRequest(server, { method, headers: basicHeaders(client) });
      expectRfcError(response, 'invalid_request', 405);
      expect(response.headers.allow).toBe('POST');
    },
  );

  it('answers GET with query parameters with 405 too (no tokens over GET)', async () => {
    const response = await rawRequest(server, {
      method: 'GET',
      path: '/oauth/token?grant_type=client_credentials',
      headers: basicHeaders(client),
    });
    expectRfcError(response, 'invalid_request', 405);
  });

  it('refuses a JSON body with invalid_request', async () => {
    const response = await rawRequest(server, {
      headers: { 'content-type': 'application/json', ...basicHeaders(client) },
      body: JSON.stringify({ grant_type: 'client_credentials' }),
    });
    expectRfcError(response, 'invalid_request');
  });

  it.each([
    ['text/plain', 'grant_type=client_credentials'],
    [
      'multipart/form-data; boundary=x',
      '--x\r\nContent-Disposition: form-data; name="grant_type"\r\n\r\nclient_credentials\r\n--x--\r\n',
    ],
  ])('refuses a %s body with invalid_request', async (contentType, body) => {
    const response = await rawRequest(server, {
      headers: { 'content-type': contentType, ...basicHeaders(client) },
      body,
    });
    expectRfcError(response, 'invalid_request');
  });

  it('refuses a body without a content type with invalid_request', async () => {
    const response = await rawRequest(server, {
      headers: basicHeaders(client),
      body: 'grant_type=client_credentials',
    });
    expectRfcError(response, 'invalid_request');
  });

  it('refuses an empty POST with invalid_request', async () => {
    expectRfcError(await rawRequest(server, { headers: basicHeaders(client) }), 'invalid_request');
  });

  it('accepts the form content type with a charset', async () => {
    const response = await form('grant_type=client_credentials&scope=accounts%3Aread', {
      'content-type': `${FORM}; charset=utf-8`,
    });
    expect(response.status).toBe(200);
  });

  it('refuses a missing grant_type with invalid_request', async () => {
    expectRfcError(await form('scope=accounts%3Aread'), 'invalid_request');
  });

  it('treats an empty grant_type as missing', async () => {
    expectRfcError(await form('grant_type='), 'invalid_request');
  });

  it.each([
    'password',
    'implicit',
    'urn:ietf:params:oauth:grant-type:device_code',
    'toString',
    '__proto__',
  ])('refuses the unknown grant_type %s with unsupported_grant_type', async (grantType) => {
    expectRfcError(
      await form(`grant_type=${encodeURIComponent(grantType)}`),
      'unsupported_grant_type',
    );
  });

  it('refuses a duplicated parameter with invalid_request', async () => {
    expectRfcError(
      await form('grant_type=client_credentials&grant_type=client_credentials'),
      'invalid_request',
    );
    expectRfcError(
      await form('grant_type=client_credentials&scope=accounts%3Aread&scope=profile'),
      'invalid_request',
    );
  });

  it('refuses a duplicated client_id with invalid_request', async () => {
    const call = await postForm(server, {
      grant_type: 'client_credentials',
      client_id: [client.clientId, client.clientId],
      client_secret: client.clientSecret,
    });
    expect(call.status).toBe(400);
    expect(call.body.error).toBe('invalid_request');
  });

  it.each([
    'a[b]=c',
    'scope[]=accounts%3Aread',
    'scope[x]=accounts%3Aread',
    'grant_type[0]=client_credentials',
  ])('refuses bracket syntax (%s) with invalid_request', async (extra) => {
    expectRfcError(await form(`grant_type=client_credentials&${extra}`), 'invalid_request');
  });

  it('refuses malformed JSON with an RFC error, not the framework default', async () => {
    const response = await rawRequest(server, {
      headers: { 'content-type': 'application/json', ...basicHeaders(client) },
      body: '{"grant_type": "client_credentials",',
    });
    expect(rfcErrorProblem(response)).toBeUndefined();
    expect(JSON.parse(response.text).error).toBe('invalid_request');
  });

  it('refuses an oversized form body with an RFC error', async () => {
    const response = await form(`grant_type=client_credentials&junk=${'x'.repeat(200_000)}`);
    expect(rfcErrorProblem(response)).toBeUndefined();
    expect(JSON.parse(response.text).error).toBe('invalid_request');
  });

  it('refuses a form body in an unsupported charset with an RFC error', async () => {
    const response = await form('grant_type=client_credentials', {
      'content-type': `${FORM}; charset=x-unknown`,
    });
    expect(rfcErrorProblem(response)).toBeUndefined();
    expect(JSON.parse(response.text).error).toBe('invalid_request');
  });

  it('refuses a form body with an unsupported content encoding with an RFC error', async () => {
    const response = await form('grant_type=client_credentials', {
      'content-encoding': 'x-unknown',
    });
    expect(rfcErrorProblem(response)).toBeUndefined();
    expect(JSON.parse(response.text).error).toBe('invalid_request');
  });

  it('refuses a gzip body that is not gzip with an RFC error', async () => {
    const response = await form('grant_type=client_credentials', { 'content-encoding': 'gzip' });
    expect(rfcErrorProblem(response)).toBeUndefined();
  });

  it('survives random bodies, content types and Authorization headers with 4xx RFC errors only', async () => {
    const paramNames = [
      'grant_type',
      'client_id',
      'client_secret',
      'client_assertion',
      'client_assertion_type',
      'code',
      'code_verifier',
      'redirect_uri',
      'refresh_token',
      'scope',
      'consent_id',
      'resource',
      '__proto__',
      'constructor',
      'a[b]',
      'scope[]',
      'grant_type[__proto__]',
    ];
    const paramValues = [
      'client_credentials',
      'refresh_token',
      'authorization_code',
      'password',
      'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client.clientId,
      codeClient.clientId,
      publicClient.clientId,
      publicClient.clientId,
      client.clientSecret!,
      'accounts:read',
      'payments:write',
      'openid offline_access',
      'https://app.example/cb',
      'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.',
      'toString',
    ];
    const name = fc.oneof(fc.constantFrom(...paramNames), fc.string({ maxLength: 20 }));
    const value = fc.oneof(
      fc.constantFrom(...paramValues),
      fc.string({ maxLength: 60 }),
      fc.string({ unit: 'binary', maxLength: 30 }),
    );
    const grantType = fc.oneof(
      {
        weight: 4,
        arbitrary: fc.constantFrom('client_credentials', 'refresh_token', 'authorization_code'),
      },
      {
        weight: 1,
        arbitrary: fc.constantFrom(
          'password',
          'toString',
          '',
          'urn:ietf:params:oauth:grant-type:jwt-bearer',
        ),
      },
      { weight: 1, arbitrary: fc.string({ maxLength: 30 }) },
    );
    // Mostly requests that get past the first checks, so every later check is reached too.
    const pairs = fc
      .tuple(fc.option(grantType, { freq: 8 }), fc.array(fc.tuple(name, value), { maxLength: 5 }))
      .map(([grant, rest]) =>
        grant === null ? rest : [['grant_type', grant] as [string, string], ...rest],
      );
    const encodedForm = pairs.map((list) =>
      list.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&'),
    );
    const rawForm = pairs.map((list) => list.map(([k, v]) => `${k}=${v}`).join('&'));
    // Well-formed grant requests with made-up codes, tokens and scopes: they reach the grants.
    const plausible = fc
      .record({
        grant_type: fc.constantFrom('client_credentials', 'refresh_token', 'authorization_code'),
        refresh_token: fc.option(fc.string({ maxLength: 60 }), { nil: undefined }),
        code: fc.option(fc.string({ maxLength: 60 }), { nil: undefined }),
        code_verifier: fc.option(fc.string({ maxLength: 130 }), { nil: undefined }),
        redirect_uri: fc.option(
          fc.constantFrom('https://app.example/cb', 'https://evil.example/cb'),
          { nil: undefined },
        ),
        scope: fc.option(
          fc.oneof(
            fc.constantFrom('accounts:read', 'payments:write', 'openid toString'),
            fc.string({ maxLength: 40 }),
          ),
          {
            nil: undefined,
          },
        ),
      })
      .map((fields) =>
        new URLSearchParams(
          Object.entries(fields).filter(([, v]) => v !== undefined) as [string, string][],
        ).toString(),
      );
    const body = fc.oneof(
      { weight: 8, arbitrary: plausible },
      { weight: 16, arbitrary: encodedForm },
      { weight: 4, arbitrary: rawForm },
      { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
      { weight: 1, arbitrary: fc.json() },
      {
        weight: 1,
        arbitrary: fc.json().map((json) => json.slice(0, Math.max(0, json.length - 1))),
      },
      {
        weight: 1,
        arbitrary: fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
      },
      { weight: 1, arbitrary: fc.constant(undefined) },
    );
    const contentType = fc.oneof(
      {
        weight: 10,
        arbitrary: fc.constantFrom(FORM, `${FORM}; charset=utf-8`, `${FORM}; charset=UTF-8`),
      },
      {
        weight: 3,
        arbitrary: fc.constantFrom(
          `${FORM}; charset=latin1`,
          `${FORM}; charset=utf-16`,
          'application/json',
          'application/json; charset=utf-8',
          'text/plain',
          'multipart/form-data; boundary=----x',
          'application/octet-stream',
          'application/jwt',
          '*/*',
          '',
        ),
      },
      { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
      { weight: 1, arbitrary: fc.constant(undefined) },
    );
    // Real credentials only for clients that cannot succeed without a real code or refresh
    // token (none is generated): the requests reach the grants, and none may get a 200.
    const wrongSecret = fc.oneof(
      fc.constantFrom(codeClient.clientId, ''),
      fc.string({ maxLength: 40 }),
    );
    const someId = fc.oneof(
      fc.constantFrom(client.clientId, codeClient.clientId),
      fc.string({ maxLength: 40 }),
    );
    const authorization = fc.oneof(
      { weight: 3, arbitrary: fc.constant(undefined) },
      {
        weight: 4,
        arbitrary: fc.constant(basicAuth(codeClient.clientId, codeClient.clientSecret!)),
      },
      {
        weight: 3,
        arbitrary: fc.tuple(someId, wrongSecret).map(([id, secret]) => basicAuth(id, secret)),
      },
      { weight: 1, arbitrary: fc.string({ maxLength: 60 }).map((s) => `Basic ${s}`) },
      {
        weight: 1,
        arbitrary: fc
          .uint8Array({ maxLength: 60 })
          .map((bytes) => `Basic ${Buffer.from(bytes).toString('base64')}`),
      },
      { weight: 1, arbitrary: fc.string({ maxLength: 60 }).map((s) => `Bearer ${s}`) },
      { weight: 1, arbitrary: fc.string({ maxLength: 80 }) },
    );
    const headerSafe = (text: string) => /^[\t\x20-\x7e]*$/.test(text) && text.trim() === text;

    await fc.assert(
      fc.asyncProperty(body, contentType, authorization, async (payload, type, auth) => {
        const headers: Record<string, string> = {};
        if (type !== undefined && headerSafe(type)) headers['content-type'] = type;
        if (auth !== undefined && headerSafe(auth)) headers.authorization = auth;
        const response = await rawRequest(server, { headers, body: payload });
        const problem = rfcErrorProblem(response);
        if (problem) {
          throw new Error(
            `${problem}\n  content-type: ${headers['content-type']}\n  authorization: ${headers.authorization}`,
          );
        }
      }),
      { numRuns: 200 },
    );
  });
});
