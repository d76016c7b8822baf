import { createHash } from 'node:crypto';
import { ClientNotFoundError, ClientService, OAUTH_PATHS } from '../../src';
import { ClientStore } from '../../src/storage/stores/client.store';
import {
  BAD_CLIENT_URIS,
  BAD_REDIRECT_URIS,
  GOOD_REDIRECT_URIS,
} from '../support/client-uri-cases';
import { describeOn, TEST_TARGETS } from '../support/targets';
import { startTestApp, TestApp } from '../support/test-app';

const INITIAL_ACCESS_TOKEN = 'initial-access-token-for-tests-0123456789';
const sha256 = (value: string) => createHash('sha256').update(value).digest('base64url');

const WEB_APP = {
  client_name: 'Budget Planner',
  client_uri: 'https://planner.example.com',
  redirect_uris: ['https://planner.example.com/callback'],
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
  scope: 'openid accounts:read',
  token_endpoint_auth_method: 'client_secret_basic',
};

interface Sent {
  status: number;
  headers: Headers;
  body: any;
}

describe.each(TEST_TARGETS)('Dynamic Client Registration (%s)', (target) => {
  let server: TestApp;
  let clients: ClientService;
  let registrationUrl: string;

  beforeAll(async () => {
    server = await startTestApp(target, {
      registration: { enabled: true, initialAccessToken: INITIAL_ACCESS_TOKEN },
    });
    clients = server.app.get(ClientService);
    registrationUrl = `${server.url}${OAUTH_PATHS.registration}`;
  });
  afterAll(() => server.close());

  async function send(
    method: string,
    url: string,
    {
      token,
      body,
      contentType = 'application/json',
    }: { token?: string; body?: unknown; contentType?: string } = {},
  ): Promise<Sent> {
    const headers: Record<string, string> = {};
    if (token !== undefined) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = contentType;
    const response = await fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      body: text ? JSON.parse(text) : undefined,
    };
  }

  const register = (body: unknown, token = INITIAL_ACCESS_TOKEN) =>
    send('POST', registrationUrl, { token, body });

  async function registered(body: unknown = WEB_APP) {
    const response = await register(body);
    expect(response.status).toBe(201);
    return response.body as {
      client_id: string;
      client_secret?: string;
      registration_access_token: string;
      registration_client_uri: string;
    };
  }

  /** Registration errors store nothing. */
  async function expectNothingStored(attempt: () => Promise<unknown>) {
    const before = (await clients.list()).length;
    await attempt();
    expect((await clients.list()).length).toBe(before);
  }

  describe('POST /oauth/register (RFC 7591)', () => {
    it('registers a confidential client and answers 201 with its credentials and metadata', async () => {
      const before = Math.floor(Date.now() / 1000);
      const response = await register(WEB_APP);

      expect(response.status).toBe(201);
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      const body = response.body;
      expect(body).toEqual({
        ...WEB_APP,
        client_id: expect.any(String),
        client_id_issued_at: expect.any(Number),
        client_secret: expect.stringMatching(/^[A-Za-z0-9_-]{43,}$/),
        client_secret_expires_at: 0,
        registration_access_token: expect.stringMatching(/^[A-Za-z0-9_-]{43,}$/),
        registration_client_uri: `${server.url}/oauth/register/${body.client_id}`,
      });
      expect(body.client_id_issued_at).toBeGreaterThanOrEqual(before);
      expect(body.registration_access_token).not.toBe(body.client_secret);

      // The same client through the service, with only hashes at rest.
      const record = await server.app.get(ClientStore).find(body.client_id);
      expect(record).toMatchObject({
        name: 'Budget Planner',
        clientType: 'confidential',
        clientSecretHash: sha256(body.client_secret),
        registrationAccessTokenHash: sha256(body.registration_access_token),
      });
    });

    it('registers a public client without a secret', async () => {
      const response = await register({
        client_name: 'Mobile app',
        redirect_uris: ['com.example.app:/oauth/callback'],
        token_endpoint_auth_method: 'none',
      });
      expect(response.status).toBe(201);
      expect(response.body).toMatchObject({
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code'],
        response_types: ['code'],
        registration_access_token: expect.any(String),
      });
      expect(response.body).not.toHaveProperty('client_secret');
      expect(response.body).not.toHaveProperty('client_secret_expires_at');
    });

    it('applies defaults: authorization_code, client_secret_basic, every scope', async () => {
      const body = await registered({
        client_name: 'Defaults',
        redirect_uris: ['https://d.example.com/cb'],
      });
      expect(body).toMatchObject({
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
        scope: expect.stringContaining('accounts:read'),
      });
    });

    it('answers 401 with a bare Bearer challenge when no token is sent (RFC 6750 §3.1)', async () => {
      await expectNothingStored(async () => {
        const variants: Record<string, string>[] = [{}, { authorization: 'Basic Zm9vOmJhcg==' }];
        for (const headers of variants) {
          const response = await fetch(registrationUrl, {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...headers },
            body: JSON.stringify(WEB_APP),
          });
          expect(response.status).toBe(401);
          // No error attribute: the request had no authentication information at all.
          expect(response.headers.get('www-authenticate')).toBe(`Bearer realm="${server.url}"`);
          expect(response.headers.get('cache-control')).toBe('no-store');
        }
      });
    });

    it('answers 401 invalid_token for a wrong initial access token', async () => {
      await expectNothingStored(async () => {
        const response = await register(WEB_APP, 'not-the-initial-access-token');
        expect(response.status).toBe(401);
        expect(response.body).toMatchObject({ error: 'invalid_token' });
        expect(response.headers.get('www-authenticate')).toMatch(
          /^Bearer realm="[^"]+", error="invalid_token"/,
        );
      });
    });

    it.each([
      ['http on a public host', ['http://planner.example.com/cb']],
      ['a fragment', ['https://planner.example.com/cb#x']],
      ['a relative URI', ['/callback']],
      ['no redirect URI for the code grant', []],
    ])('answers 400 invalid_redirect_uri for %s', async (_label, redirectUris) => {
      await expectNothingStored(async () => {
        const response = await register({ ...WEB_APP, redirect_uris: redirectUris });
        expect(response.status).toBe(400);
        expect(response.headers.get('cache-control')).toBe('no-store');
        expect(response.body).toEqual({
          error: 'invalid_redirect_uri',
          error_description: expect.any(String),
        });
      });
    });

    it.each(BAD_REDIRECT_URIS)(
      'answers 400 invalid_redirect_uri for %s (%p), for a public client too',
      async (_label, uri, why) => {
        await expectNothingStored(async () => {
          for (const method of ['client_secret_basic', 'none']) {
            const response = await register({
              ...WEB_APP,
              token_endpoint_auth_method: method,
              redirect_uris: ['https://planner.example.com/callback', uri],
            });
            expect(response.status).toBe(400);
            expect(response.body).toEqual({
              error: 'invalid_redirect_uri',
              error_description: expect.stringMatching(why),
            });
          }
        });
      },
    );

    it.each(BAD_CLIENT_URIS)(
      'answers 400 invalid_client_metadata for a client_uri with %s (%p)',
      async (_label, uri, why) => {
        await expectNothingStored(async () => {
          const response = await register({ ...WEB_APP, client_uri: uri });
          expect(response.status).toBe(400);
          expect(response.body).toEqual({
            error: 'invalid_client_metadata',
            error_description: expect.stringMatching(why),
          });
        });
      },
    );

    it('accepts a punycode host, a port and percent-encoded paths', async () => {
      const body = await registered({ ...WEB_APP, redirect_uris: GOOD_REDIRECT_URIS });
      expect((await clients.get(body.client_id)).redirectUris).toEqual(GOOD_REDIRECT_URIS);
    });

    it.each<[string, unknown, RegExp]>([
      ['no client_name', { ...WEB_APP, client_name: undefined }, /client_name/],
      ['an unknown scope', { ...WEB_APP, scope: 'openid admin:all' }, /admin:all/],
      ['a scope that is not a string', { ...WEB_APP, scope: ['openid'] }, /scope/],
      [
        'a grant type the server does not enable',
        { ...WEB_APP, grant_types: ['authorization_code', 'password'] },
        /password/,
      ],
      [
        'response_types that need a grant it lacks',
        { ...WEB_APP, grant_types: ['client_credentials'], redirect_uris: [] },
        /response_types/,
      ],
      ['an unsupported response type', { ...WEB_APP, response_types: ['token'] }, /response_types/],
      [
        'an unknown auth method',
        { ...WEB_APP, token_endpoint_auth_method: 'tls_client_auth' },
        /token_endpoint_auth_method/,
      ],
      [
        'client_credentials for a public client',
        {
          client_name: 'x',
          grant_types: ['client_credentials'],
          response_types: [],
          token_endpoint_auth_method: 'none',
        },
        /confidential/,
      ],
      ['a JSON array instead of an object', [WEB_APP], /JSON object/],
      [
        'a client_uri longer than 2048 characters',
        { ...WEB_APP, client_uri: `https://planner.example.com/${'x'.repeat(2048)}` },
        /client_uri/,
      ],
      ['a JWK Set whose keys are not objects', { ...WEB_APP, jwks: { keys: [null, 'x'] } }, /jwks/],
    ])('answers 400 invalid_client_metadata for %s', async (_label, body, why) => {
      await expectNothingStored(async () => {
        const response = await register(body);
        expect(response.status).toBe(400);
        expect(response.body).toEqual({
          error: 'invalid_client_metadata',
          error_description: expect.stringMatching(why),
        });
      });
    });

    it.each([
      [
        'a form',
        'application/x-www-form-urlencoded',
        'client_name=Form+post&redirect_uris=https%3A%2F%2Fa.example%2Fcb',
      ],
      ['plain text', 'text/plain', JSON.stringify(WEB_APP)],
    ])(
      'answers 400 invalid_client_metadata for %s instead of JSON',
      async (_label, contentType, body) => {
        await expectNothingStored(async () => {
          const response = await send('POST', registrationUrl, {
            token: INITIAL_ACCESS_TOKEN,
            body,
            contentType,
          });
          expect(response.status).toBe(400);
          expect(response.body).toEqual({
            error: 'invalid_client_metadata',
            error_description: expect.stringMatching(/JSON/),
          });
        });
      },
    );

    it('answers 400 for malformed JSON', async () => {
      await expectNothingStored(async () => {
        const response = await send('POST', registrationUrl, {
          token: INITIAL_ACCESS_TOKEN,
          body: '{"client_name": ',
        });
        expect(response.status).toBe(400);
        expect(response.body).toMatchObject({ error: 'invalid_request' });
      });
    });

    it('answers 400 for a POST without a body', async () => {
      await expectNothingStored(async () => {
        const response = await send('POST', registrationUrl, { token: INITIAL_ACCESS_TOKEN });
        expect(response.status).toBe(400);
        expect(response.body).toMatchObject({ error: 'invalid_client_metadata' });
      });
    });
  });

  describe('client configuration endpoint (RFC 7592)', () => {
    it('reads the client with its registration access token, never its secret', async () => {
      const created = await registered();
      const response = await send('GET', created.registration_client_uri, {
        token: created.registration_access_token,
      });

      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(response.body).toEqual({
        ...WEB_APP,
        client_id: created.client_id,
        client_id_issued_at: expect.any(Number),
        registration_client_uri: created.registration_client_uri,
      });
      expect(JSON.stringify(response.body)).not.toContain(created.client_secret);
      expect(JSON.stringify(response.body)).not.toContain(created.registration_access_token);
    });

    it("answers 401 for a missing or wrong token, the initial access token, or another client's token", async () => {
      const a = await registered();
      const b = await registered({ ...WEB_APP, client_name: 'Client B' });
      for (const token of [
        undefined,
        'wrong-token',
        INITIAL_ACCESS_TOKEN,
        a.registration_access_token,
        b.client_secret,
      ]) {
        for (const method of ['GET', 'PUT', 'DELETE']) {
          const response = await send(method, b.registration_client_uri, {
            token,
            body:
              method === 'PUT'
                ? { ...WEB_APP, client_id: b.client_id, client_name: 'Hijacked' }
                : undefined,
          });
          expect({ method, token, status: response.status }).toEqual({
            method,
            token,
            status: 401,
          });
          expect(response.headers.get('www-authenticate')).toMatch(/^Bearer realm=/);
        }
      }
      expect((await clients.get(b.client_id)).name).toBe('Client B');
    });

    it('answers 401 (not 404) for an unknown client id, so ids cannot be probed', async () => {
      const a = await registered();
      const response = await send('GET', `${registrationUrl}/no-such-client`, {
        token: a.registration_access_token,
      });
      expect(response.status).toBe(401);
      expect(response.body).toMatchObject({ error: 'invalid_token' });
    });

    it('replaces the metadata with PUT, keeping the secret', async () => {
      const created = await registered();
      const hashBefore = (await server.app.get(ClientStore).find(created.client_id))!
        .clientSecretHash;
      const changed = {
        ...WEB_APP,
        client_id: created.client_id,
        client_name: 'Budget Planner 2',
        redirect_uris: ['https://planner.example.com/v2/callback'],
      };
      const response = await send('PUT', created.registration_client_uri, {
        token: created.registration_access_token,
        body: changed,
      });

      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(response.body).toMatchObject({
        client_id: created.client_id,
        client_name: 'Budget Planner 2',
        redirect_uris: ['https://planner.example.com/v2/callback'],
        registration_client_uri: created.registration_client_uri,
      });
      const read = await send('GET', created.registration_client_uri, {
        token: created.registration_access_token,
      });
      expect(read.body.redirect_uris).toEqual(['https://planner.example.com/v2/callback']);
      expect((await clients.get(created.client_id)).redirectUris).toEqual([
        'https://planner.example.com/v2/callback',
      ]);
      expect((await server.app.get(ClientStore).find(created.client_id))!.clientSecretHash).toBe(
        hashBefore,
      );
    });

    it('accepts the issued client_secret in a PUT body and refuses any other', async () => {
      const created = await registered();
      const base = { ...WEB_APP, client_id: created.client_id };
      const ok = await send('PUT', created.registration_client_uri, {
        token: created.registration_access_token,
        body: { ...base, client_secret: created.client_secret },
      });
      expect(ok.status).toBe(200);
      const wrong = await send('PUT', created.registration_client_uri, {
        token: created.registration_access_token,
        body: { ...base, client_secret: 'not-the-secret' },
      });
      expect(wrong.status).toBe(400);
      expect(wrong.body).toMatchObject({ error: 'invalid_request' });
    });

    it.each<[string, (clientId: string) => unknown, number, string]>([
      [
        'a client_id that does not match',
        () => ({ ...WEB_APP, client_id: 'someone-else', client_name: 'X' }),
        400,
        'invalid_request',
      ],
      [
        'an invalid redirect URI',
        (id) => ({ ...WEB_APP, client_id: id, redirect_uris: ['http://evil.example/cb'] }),
        400,
        'invalid_redirect_uri',
      ],
      [
        'an unknown scope',
        (id) => ({ ...WEB_APP, client_id: id, scope: 'root' }),
        400,
        'invalid_client_metadata',
      ],
      [
        'a switch to a public client',
        (id) => ({ ...WEB_APP, client_id: id, token_endpoint_auth_method: 'none' }),
        400,
        'invalid_client_metadata',
      ],
      [
        'a registration_access_token',
        (id) => ({ ...WEB_APP, client_id: id, registration_access_token: 'mine' }),
        400,
        'invalid_request',
      ],
    ])('refuses a PUT with %s and changes nothing', async (_label, body, status, error) => {
      const created = await registered();
      const before = await clients.get(created.client_id);
      const response = await send('PUT', created.registration_client_uri, {
        token: created.registration_access_token,
        body: body(created.client_id),
      });
      expect(response.status).toBe(status);
      expect(response.body).toMatchObject({ error });
      expect(await clients.get(created.client_id)).toEqual(before);
    });

    it('refuses a PUT whose body is a form, not JSON', async () => {
      const created = await registered();
      const before = await clients.get(created.client_id);
      const response = await send('PUT', created.registration_client_uri, {
        token: created.registration_access_token,
        body: `client_id=${created.client_id}&client_name=Form`,
        contentType: 'application/x-www-form-urlencoded',
      });
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ error: 'invalid_client_metadata' });
      expect(await clients.get(created.client_id)).toEqual(before);
    });

    it('deletes the client with DELETE (204); its token then stops working', async () => {
      const created = await registered();
      const response = await fetch(created.registration_client_uri, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${created.registration_access_token}` },
      });
      expect(response.status).toBe(204);
      expect(await response.text()).toBe('');

      const read = await send('GET', created.registration_client_uri, {
        token: created.registration_access_token,
      });
      expect(read.status).toBe(401);
      expect(read.body).toMatchObject({ error: 'invalid_token' });
      await expect(clients.get(created.client_id)).rejects.toBeInstanceOf(ClientNotFoundError);
    });
  });
});

describeOn('sqlite')('Dynamic Client Registration when disabled (the default) (%s)', (target) => {
  let server: TestApp;
  beforeAll(async () => {
    server = await startTestApp(target);
  });
  afterAll(() => server.close());

  it.each(['POST', 'GET', 'PUT', 'DELETE'])(
    'answers %s with 404 JSON, even with a token',
    async (method) => {
      const url = `${server.url}${OAUTH_PATHS.registration}${method === 'POST' ? '' : '/some-client'}`;
      const response = await fetch(url, {
        method,
        headers: { authorization: 'Bearer some-token-value', 'content-type': 'application/json' },
        body: method === 'POST' || method === 'PUT' ? JSON.stringify(WEB_APP) : undefined,
      });
      expect(response.status).toBe(404);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await response.json()).toMatchObject({ error: 'not_found' });
      expect(await server.app.get(ClientService).list()).toEqual([]);
    },
  );
});
