// A host app often maps every response (say, wraps bodies in `{ data }`) with a global
// interceptor. The protocol endpoints' bodies are defined by the RFCs, so they must come out
// unchanged, while the host's own routes keep the host's shape.
import {
  CallHandler,
  Controller,
  ExecutionContext,
  Get,
  Injectable,
  NestInterceptor,
} from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { map } from 'rxjs';
import { OAUTH_PATHS } from '../../src';
import { TEST_TARGETS } from '../support/targets';
import { startTestApp, TestApp } from '../support/test-app';
import {
  basicHeaders,
  clientCredentials,
  postForm,
  registerCodeClient,
  registerServiceClient,
  seedCodeAndExchange,
  TestClient,
} from '../support/token-helpers';

const INITIAL_ACCESS_TOKEN = 'initial-access-token-for-host-interceptor-tests';

@Injectable()
class WrapInData implements NestInterceptor {
  intercept(_context: ExecutionContext, next: CallHandler) {
    return next.handle().pipe(map((body: unknown) => ({ data: body })));
  }
}

@Controller('host')
class HostController {
  @Get('hello')
  hello() {
    return { hello: 'world' };
  }
}

describe.each(TEST_TARGETS)('a host with a global response interceptor (%s)', (target) => {
  let server: TestApp;
  let client: TestClient;
  beforeAll(async () => {
    server = await startTestApp(
      target,
      { registration: { enabled: true, initialAccessToken: INITIAL_ACCESS_TOKEN } },
      {
        controllers: [HostController],
        providers: [{ provide: APP_INTERCEPTOR, useClass: WrapInData }],
      },
    );
    client = await registerServiceClient(server, { scopes: ['accounts:read'] });
  });
  afterAll(() => server.close());

  it('still shapes its own routes', async () => {
    const response = await fetch(`${server.url}/host/hello`);
    expect(await response.json()).toEqual({ data: { hello: 'world' } });
  });

  it('leaves token responses as RFC 6749 defines them', async () => {
    const call = await clientCredentials(server, client, { scope: 'accounts:read' });
    expect(call.status).toBe(200);
    expect(call.body).toMatchObject({ token_type: 'Bearer', access_token: expect.any(String) });
    expect(call.body).not.toHaveProperty('data');
    expect(call.headers.get('cache-control')).toBe('no-store');
    expect(call.headers.get('content-type')).toBe('application/json; charset=utf-8');
  });

  it('leaves introspection responses as RFC 7662 defines them', async () => {
    const { body } = await clientCredentials(server, client, { scope: 'accounts:read' });
    const call = await postForm(
      server,
      { token: body.access_token },
      basicHeaders(client),
      OAUTH_PATHS.introspection,
    );
    expect(call.status).toBe(200);
    expect(call.body).toMatchObject({ active: true, client_id: client.clientId });
    const unknown = await postForm(
      server,
      { token: 'not-a-token' },
      basicHeaders(client),
      OAUTH_PATHS.introspection,
    );
    expect(unknown.body).toEqual({ active: false });
  });

  it('leaves discovery documents and the key set as their RFCs define them', async () => {
    for (const path of [OAUTH_PATHS.serverMetadata, OAUTH_PATHS.openidConfiguration]) {
      const response = await fetch(`${server.url}${path}`);
      expect(response.headers.get('cache-control')).toBe('public, max-age=300');
      expect(await response.json()).toMatchObject({ issuer: server.url });
    }
    const jwks = await fetch(`${server.url}${OAUTH_PATHS.jwks}`);
    expect(jwks.headers.get('content-type')).toBe('application/jwk-set+json; charset=utf-8');
    expect(await jwks.json()).toMatchObject({ keys: [expect.objectContaining({ kty: 'RSA' })] });
  });

  it('leaves userinfo as OpenID Connect defines it', async () => {
    const web = await registerCodeClient(server);
    const tokens = await seedCodeAndExchange(server, web, { scopes: ['openid', 'profile'] });
    const response = await fetch(`${server.url}${OAUTH_PATHS.userinfo}`, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ sub: expect.any(String) });
  });

  it('leaves dynamic registration responses as RFC 7591 and 7592 define them', async () => {
    const registered = await fetch(`${server.url}${OAUTH_PATHS.registration}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${INITIAL_ACCESS_TOKEN}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ client_name: 'Registered app', grant_types: ['client_credentials'] }),
    });
    expect(registered.status).toBe(201);
    const body = await registered.json();
    expect(body).toMatchObject({
      client_id: expect.any(String),
      client_secret: expect.any(String),
    });
    const read = await fetch(body.registration_client_uri, {
      headers: { authorization: `Bearer ${body.registration_access_token}` },
    });
    expect(read.status).toBe(200);
    expect(await read.json()).toMatchObject({ client_id: body.client_id });
  });

  it('leaves errors as RFC 6749 defines them', async () => {
    const call = await postForm(server, { grant_type: 'password' }, basicHeaders(client));
    expect(call.status).toBe(400);
    expect(call.body).toEqual({
      error: 'unsupported_grant_type',
      error_description: expect.any(String),
    });
  });
});
