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
import { TEST_DATABASE_KINDS } from '../support/databases';
import { startTestApp, TestApp } from '../support/test-app';
import {
  basicHeaders,
  clientCredentials,
  postForm,
  registerServiceClient,
  TestClient,
} from '../support/token-helpers';

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

describe.each(TEST_DATABASE_KINDS)('a host with a global response interceptor (%s)', (kind) => {
  let server: TestApp;
  let client: TestClient;
  beforeAll(async () => {
    server = await startTestApp(
      kind,
      {},
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

  it('leaves errors as RFC 6749 defines them', async () => {
    const call = await postForm(server, { grant_type: 'password' }, basicHeaders(client));
    expect(call.status).toBe(400);
    expect(call.body).toEqual({
      error: 'unsupported_grant_type',
      error_description: expect.any(String),
    });
  });
});
