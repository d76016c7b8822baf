// OpenAPI: the module's controllers stay out of a host's Swagger scan; nest-oauth-server/swagger
// adds the oauth2 scheme, each protected route's scopes with its 401/403, and on request the
// public protocol endpoints. Real apps, the real SwaggerModule.createDocument, the sample app.
import { Controller, Get, INestApplication, Post, UseGuards } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import {
  ApiExtension,
  DECORATORS,
  DocumentBuilder,
  OpenAPIObject,
  SwaggerModule,
} from '@nestjs/swagger';
import { Test } from '@nestjs/testing';
import {
  AnyScope,
  OAuthGuard,
  OAuthModule,
  OAuthModuleOptions,
  Public,
  RequireAcr,
  RequireUser,
  Scopes,
} from '../../src';
import { SWAGGER_EXCLUDE_CONTROLLER } from '../../src/openapi/hide-from-openapi';
import { OAuthSwagger } from '../../src/swagger';
import { startSample } from '../support/sample-app';
import { TEST_SCOPES, testResourceOwner } from '../support/test-app';

const ISSUER = 'https://auth.example.com';
const CONFIG = new DocumentBuilder().setTitle('Host API').setVersion('1').build();

@Controller('bank')
@UseGuards(OAuthGuard)
@Scopes('accounts:read')
class BankController {
  @Get('accounts')
  accounts() {
    return [];
  }

  @Post('payments')
  @Scopes('payments:write')
  @RequireUser()
  @ApiExtension('x-team', 'payments')
  pay() {
    return {};
  }

  @Get('either')
  @AnyScope('profile', 'email')
  either() {
    return {};
  }

  @Get('status')
  @Public()
  status() {
    return 'ok';
  }
}

/** Guarded per route, without scopes. */
@Controller('misc')
class MiscController {
  @Get('guarded')
  @UseGuards(OAuthGuard)
  guarded() {
    return {};
  }

  @Get('open')
  open() {
    return {};
  }
}

interface Built {
  app: INestApplication;
  close(): Promise<void>;
}

// Each app owns a private in-memory SQLite database, closed with it.
const dataSource = { type: 'better-sqlite3', database: ':memory:' } as const;

async function buildApp(
  options: Partial<OAuthModuleOptions> = {},
  extra: { providers?: unknown[]; controllers?: unknown[]; fastify?: boolean } = {},
): Promise<Built> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      OAuthModule.forRoot({
        issuer: ISSUER,
        dataSource,
        scopes: TEST_SCOPES,
        resourceOwner: testResourceOwner,
        interaction: { loginUrl: '/login' },
        ...options,
      }),
    ],
    controllers: (extra.controllers ?? [BankController, MiscController]) as never[],
    providers: (extra.providers ?? []) as never[],
  }).compile();
  const app = extra.fastify
    ? moduleRef.createNestApplication(new FastifyAdapter(), { logger: false })
    : moduleRef.createNestApplication({ logger: false });
  await app.init();
  return { app, close: () => app.close() };
}

const REGISTRATION = { registration: { enabled: true, initialAccessToken: 'x'.repeat(32) } };
const isModulePath = (path: string) => path.startsWith('/oauth') || path.startsWith('/.well-known');

describe('the module in a host Swagger scan', () => {
  it('is absent by default, even with registration enabled', async () => {
    const { app, close } = await buildApp(REGISTRATION);
    try {
      const document = SwaggerModule.createDocument(app, CONFIG);
      expect(Object.keys(document.paths).filter(isModulePath)).toEqual([]);
      expect(Object.keys(document.paths)).toContain('/bank/accounts');
    } finally {
      await close();
    }
  });

  it('uses the metadata key of the installed @nestjs/swagger', () => {
    expect(SWAGGER_EXCLUDE_CONTROLLER).toBe(DECORATORS.API_EXCLUDE_CONTROLLER);
  });
});

describe('OAuthSwagger.createDocument', () => {
  let built: Built;
  let document: OpenAPIObject;
  beforeAll(async () => {
    built = await buildApp();
    document = OAuthSwagger.createDocument(built.app, CONFIG);
  });
  afterAll(() => built.close());

  it('adds the oauth2 scheme: the flows of the enabled grants at the issuer, with the scopes', () => {
    const scheme = document.components!.securitySchemes!.oauth2 as any;
    expect(scheme.type).toBe('oauth2');
    expect(scheme.flows.authorizationCode).toEqual({
      authorizationUrl: `${ISSUER}/oauth/authorize`,
      tokenUrl: `${ISSUER}/oauth/token`,
      refreshUrl: `${ISSUER}/oauth/token`,
      scopes: Object.fromEntries(
        Object.entries(TEST_SCOPES).map(([name, scope]) => [name, scope.description]),
      ),
    });
    // A userOnly scope never comes from client_credentials.
    expect(scheme.flows.clientCredentials.tokenUrl).toBe(`${ISSUER}/oauth/token`);
    expect(Object.keys(scheme.flows.clientCredentials.scopes)).toContain('accounts:read');
    expect(Object.keys(scheme.flows.clientCredentials.scopes)).not.toContain('payments:write');
  });

  it('puts each route’s scopes in its security requirements', () => {
    const { paths } = document;
    expect(paths['/bank/accounts'].get!.security).toEqual([{ oauth2: ['accounts:read'] }]);
    expect(paths['/bank/payments'].post!.security).toEqual([{ oauth2: ['payments:write'] }]);
    // @AnyScope beside the class's @Scopes: either scope, each with accounts:read.
    expect(paths['/bank/either'].get!.security).toEqual([
      { oauth2: ['accounts:read', 'profile'] },
      { oauth2: ['accounts:read', 'email'] },
    ]);
    expect(paths['/misc/guarded'].get!.security).toEqual([{ oauth2: [] }]);
  });

  it('leaves @Public and unguarded routes alone', () => {
    expect(document.paths['/bank/status'].get!.security).toBeUndefined();
    expect(document.paths['/misc/open'].get!.security).toBeUndefined();
    expect(document.paths['/misc/open'].get!.responses[401]).toBeUndefined();
  });

  it('describes the guard’s 401 and 403 in the RFC 6750 shape, beside the route’s own answer', () => {
    const accounts = document.paths['/bank/accounts'].get!.responses as any;
    expect(accounts[200]).toBeDefined();
    expect(accounts[401].headers['WWW-Authenticate']).toBeDefined();
    const body401 = accounts[401].content['application/json'].schema;
    expect(body401.allOf[0]).toEqual({ $ref: '#/components/schemas/OAuthError' });
    expect(body401.allOf[1].properties.error.enum).toEqual(['invalid_request', 'invalid_token']);
    expect(accounts[403].content['application/json'].schema.allOf[1].properties.error.enum).toEqual(
      ['insufficient_scope'],
    );
    expect(document.components!.schemas!.OAuthError).toMatchObject({
      required: ['error'],
      properties: { error: { type: 'string' }, error_description: { type: 'string' } },
    });
    const pay = document.paths['/bank/payments'].post!.responses as any;
    expect(pay[201]).toBeDefined();
    expect(pay[401].content['application/json'].schema.allOf[1].properties.error.enum).toContain(
      'insufficient_user_authentication',
    );
    // Guarded without a scope: nothing to be forbidden for.
    expect((document.paths['/misc/guarded'].get!.responses as any)[403]).toBeUndefined();
  });

  it('leaves no trace on the handlers: a plain scan afterwards is unchanged', () => {
    const plain = SwaggerModule.createDocument(built.app, CONFIG);
    expect(JSON.stringify(plain)).not.toContain('x-nest-oauth-server');
    expect(plain.paths['/bank/accounts'].get!.security).toBeUndefined();
    expect(JSON.stringify(document)).not.toContain('x-nest-oauth-server');
    // The host's own extension survives, in both.
    expect((document.paths['/bank/payments'].post as any)['x-team']).toBe('payments');
    expect((plain.paths['/bank/payments'].post as any)['x-team']).toBe('payments');
  });

  it('keeps the module’s endpoints out', () => {
    expect(Object.keys(document.paths).filter(isModulePath)).toEqual([]);
  });
});

describe('OAuthSwagger.createDocument with sign-in levels (acr)', () => {
  @Controller('vault')
  @UseGuards(OAuthGuard)
  class VaultController {
    @Get('recent')
    @RequireAcr('high', { maxAge: 300 })
    recent() {
      return {};
    }

    @Post('payments')
    @Scopes('payments:write')
    pay() {
      return {};
    }

    @Get('accounts')
    @Scopes('accounts:read')
    accounts() {
      return {};
    }
  }

  it('describes the RFC 9470 refusal where a route or its scopes need a level', async () => {
    const { app, close } = await buildApp(
      {
        acr: {
          levels: ['low', 'substantial', 'high'],
          scopes: { 'payments:write': 'substantial' },
        },
      },
      { controllers: [VaultController] },
    );
    try {
      const document = OAuthSwagger.createDocument(app, CONFIG);
      const unauthorized = (path: string, method: 'get' | 'post') =>
        (document.paths[path][method]!.responses as any)[401];
      const codes = (response: any) =>
        response.content['application/json'].schema.allOf[1].properties.error.enum;
      const recent = unauthorized('/vault/recent', 'get');
      expect(codes(recent)).toContain('insufficient_user_authentication');
      expect(recent.description).toMatch(/level high or higher.*at most 300 seconds old/);
      const pay = unauthorized('/vault/payments', 'post');
      expect(codes(pay)).toContain('insufficient_user_authentication');
      expect(pay.description).toMatch(/level substantial or higher/);
      expect(codes(unauthorized('/vault/accounts', 'get'))).not.toContain(
        'insufficient_user_authentication',
      );
    } finally {
      await close();
    }
  });
});

describe('OAuthSwagger.createDocument with OAuthGuard as APP_GUARD', () => {
  it('protects every route that is not @Public, through the app’s global prefix', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        OAuthModule.forRoot({
          issuer: ISSUER,
          dataSource,
          scopes: TEST_SCOPES,
          grantTypes: ['client_credentials'],
        }),
      ],
      controllers: [BankController, MiscController],
      providers: [{ provide: APP_GUARD, useExisting: OAuthGuard }],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    app.setGlobalPrefix('v1', { exclude: ['oauth/(.*)', '.well-known/(.*)'] });
    await app.init();
    try {
      const { paths, components } = OAuthSwagger.createDocument(app, CONFIG);
      expect(paths['/v1/misc/open'].get!.security).toEqual([{ oauth2: [] }]);
      expect(paths['/v1/bank/accounts'].get!.security).toEqual([{ oauth2: ['accounts:read'] }]);
      expect(paths['/v1/bank/status'].get!.security).toBeUndefined();
      // Without the code grant there is only the client_credentials flow.
      expect(Object.keys((components!.securitySchemes!.oauth2 as any).flows)).toEqual([
        'clientCredentials',
      ]);
    } finally {
      await app.close();
    }
  });
});

describe('OAuthSwagger.createDocument on Fastify', () => {
  it('describes the same security', async () => {
    const { app, close } = await buildApp({}, { fastify: true });
    try {
      const { paths } = OAuthSwagger.createDocument(app, CONFIG);
      expect(paths['/bank/accounts'].get!.security).toEqual([{ oauth2: ['accounts:read'] }]);
      expect(Object.keys(paths).filter(isModulePath)).toEqual([]);
    } finally {
      await close();
    }
  });
});

describe('OAuthSwagger.createDocument with includeProtocolEndpoints', () => {
  const protocolDocument = async (options: Partial<OAuthModuleOptions>) => {
    const { app, close } = await buildApp(options);
    try {
      return OAuthSwagger.createDocument(app, CONFIG, { includeProtocolEndpoints: true });
    } finally {
      await close();
    }
  };

  it('describes the public endpoints, each with its one method, and never the interaction pages', async () => {
    const { paths } = await protocolDocument({});
    expect(Object.keys(paths).filter(isModulePath).sort()).toEqual([
      '/.well-known/oauth-authorization-server',
      '/.well-known/openid-configuration',
      '/oauth/introspect',
      '/oauth/jwks',
      '/oauth/revoke',
      '/oauth/token',
      '/oauth/userinfo',
    ]);
    expect(Object.keys(paths['/oauth/token'])).toEqual(['post']);
    expect(Object.keys(paths['/oauth/userinfo']).sort()).toEqual(['get', 'post']);
    const token = paths['/oauth/token'].post as any;
    const form = token.requestBody.content['application/x-www-form-urlencoded'].schema;
    expect(form.required).toEqual(['grant_type']);
    expect(form.properties.grant_type.enum).toEqual([
      'authorization_code',
      'client_credentials',
      'refresh_token',
    ]);
    expect(token.responses[200].content['application/json'].schema.required).toContain(
      'access_token',
    );
    expect(token.security).toEqual([{ oauthClient: [] }, {}]);
    expect(paths['/oauth/userinfo'].get!.security).toEqual([{ oauth2: ['openid'] }]);
  });

  it('describes registration only when it is enabled', async () => {
    const { paths, components } = await protocolDocument(REGISTRATION);
    expect(Object.keys(paths['/oauth/register'])).toEqual(['post']);
    expect(Object.keys(paths['/oauth/register/{clientId}']).sort()).toEqual([
      'delete',
      'get',
      'put',
    ]);
    expect(components!.securitySchemes!.oauthRegistrationToken).toMatchObject({
      type: 'http',
      scheme: 'bearer',
    });
  });
});

describe('the sample app’s OpenAPI document', () => {
  it('serves the oauth2 scheme and each API route’s scopes at /docs-json', async () => {
    const sample = await startSample();
    try {
      const response = await fetch(`${sample.url}/docs-json`);
      expect(response.status).toBe(200);
      const document = (await response.json()) as OpenAPIObject;
      const scheme = document.components!.securitySchemes!.oauth2 as any;
      expect(scheme.flows.authorizationCode.authorizationUrl).toBe(`${sample.url}/oauth/authorize`);
      expect(scheme.flows.authorizationCode.scopes['accounts:read']).toBe(
        'Read your account information and balances',
      );
      expect(document.paths['/api/accounts'].get!.security).toEqual([
        { oauth2: ['accounts:read'] },
      ]);
      expect(document.paths['/api/payments'].post!.security).toEqual([
        { oauth2: ['payments:write'] },
      ]);
      expect(document.paths['/api/me'].get!.security).toEqual([{ oauth2: [] }]);
      expect(Object.keys(document.paths['/api/payments'].post!.responses).sort()).toEqual([
        '201',
        '401',
        '403',
      ]);
      expect(Object.keys(document.paths).filter(isModulePath)).toEqual([]);
      const ui = await fetch(`${sample.url}/docs`);
      expect(ui.status).toBe(200);
      expect(ui.headers.get('content-type')).toContain('text/html');
    } finally {
      await sample.close();
    }
  });
});
