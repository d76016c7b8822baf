// nest-oauth-server in a Nest app of its own process, on Express or Fastify (BENCH_ADAPTER), on
// SQLite (in memory, better-sqlite3) or PostgreSQL (BENCH_DB, BENCH_PG_URL), with the bench
// routes of the protected-route workload. Nothing here depends on the platform: requests are
// read through their `headers` only, which Express and Fastify requests both have.
import 'reflect-metadata';
import {
  CanActivate,
  Controller,
  ExecutionContext,
  Get,
  Injectable,
  Module,
  UnauthorizedException,
  UseGuards,
} from '@nestjs/common';
import { createLocalJWKSet, jwtVerify } from 'jose';
import * as fs from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { Session } from 'node:inspector';
import type { AddressInfo } from 'node:net';
import type { DataSourceOptions } from 'typeorm';
import {
  ClientService,
  ConsentService,
  OAUTH_CONFIG,
  OAuthGuard,
  OAuthModule,
  Scopes,
  SigningKeyService,
  TokenIssuer,
} from '../../src';
import type { OAuthConfig, ResourceOwnerProvider } from '../../src';
import { serveCommands } from '../lib/ipc';
import {
  BENCH_ACCESS_TOKEN_ALG,
  BENCH_RESOURCE,
  BENCH_TTL,
  BENCH_USER,
  REDIRECT_URI,
  ServerSetup,
} from './common';
import { adapterFromEnv, createApp } from './http-adapter';

/** What the bench reads of a request on either platform. */
type BenchRequest = { headers: IncomingHttpHeaders };

const revocationCheck = (process.env.BENCH_REVOCATION ?? 'strict') as 'strict' | 'stateless';
const dataSource: DataSourceOptions =
  process.env.BENCH_DB === 'postgres'
    ? { type: 'postgres', url: process.env.BENCH_PG_URL! }
    : { type: 'better-sqlite3', database: ':memory:' };

/** The signed-in user of an authorization request: whoever `x-bench-user` names. */
const resourceOwner: ResourceOwnerProvider = {
  getSignedInUser: (request) => {
    const id = (request as BenchRequest).headers['x-bench-user'];
    return id === BENCH_USER
      ? { id, username: 'alice', authTime: Math.floor(Date.now() / 1000) }
      : null;
  },
  findById: (id) => (id === BENCH_USER ? { id, username: 'alice' } : null),
  getClaims: () => ({}),
};

/** The handler every bench route shares: a small JSON body, like an account list. */
const ACCOUNTS = [
  { id: 'acc-1', iban: 'NL91ABNA0417164300', currency: 'EUR', balance: '2450.10' },
  { id: 'acc-2', iban: 'NL20INGB0001234567', currency: 'EUR', balance: '15000.00' },
];

/**
 * What a host of oidc-provider writes, since oidc-provider has no resource-server side: verify
 * the JWT's signature, typ, iss, aud and exp with jose, check the scope. No revocation check.
 */
@Injectable()
class JoseGuard implements CanActivate {
  private jwks?: ReturnType<typeof createLocalJWKSet>;
  constructor(private readonly keys: SigningKeyService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const header = context.switchToHttp().getRequest<BenchRequest>().headers.authorization ?? '';
    if (!header.startsWith('Bearer ')) throw new UnauthorizedException();
    this.jwks ??= createLocalJWKSet({
      keys: (await this.keys.list())
        .filter((key) => key.status !== 'retired')
        .map((key) => key.publicJwk),
    });
    try {
      const { payload } = await jwtVerify(header.slice(7), this.jwks, {
        algorithms: [BENCH_ACCESS_TOKEN_ALG],
        typ: 'at+jwt',
        issuer: issuer,
        audience: BENCH_RESOURCE,
      });
      if (
        !String(payload.scope ?? '')
          .split(' ')
          .includes('accounts:read')
      )
        throw new Error('scope');
      return true;
    } catch {
      throw new UnauthorizedException();
    }
  }
}

/** The floor of any guard: Nest's guard pipeline around a guard that lets everything through. */
@Injectable()
class AllowAllGuard implements CanActivate {
  canActivate(): boolean {
    return true;
  }
}

@Controller('bench')
class BenchController {
  @Get('protected')
  @UseGuards(OAuthGuard)
  @Scopes('accounts:read')
  protectedRoute() {
    return ACCOUNTS;
  }

  @Get('unprotected')
  unprotectedRoute() {
    return ACCOUNTS;
  }

  @Get('allow-all')
  @UseGuards(AllowAllGuard)
  allowAllRoute() {
    return ACCOUNTS;
  }

  @Get('jose')
  @UseGuards(JoseGuard)
  joseRoute() {
    return ACCOUNTS;
  }
}

let issuer = '';

/** The V8 CPU profiler (what --cpu-prof uses), started and stopped around the measured load only. */
const profiler = {
  session: undefined as Session | undefined,
  post<T>(method: string, params?: object): Promise<T> {
    return new Promise((resolve, reject) =>
      this.session!.post(method, params, (error, result) =>
        error ? reject(error) : resolve(result as T),
      ),
    );
  },
  async start(): Promise<void> {
    this.session = new Session();
    this.session.connect();
    await this.post('Profiler.enable');
    await this.post('Profiler.setSamplingInterval', { interval: 200 });
    await this.post('Profiler.start');
  },
  async stop(file: string): Promise<void> {
    const { profile } = await this.post<{ profile: unknown }>('Profiler.stop');
    this.session!.disconnect();
    fs.writeFileSync(file, JSON.stringify(profile));
  },
};

async function main(): Promise<void> {
  const port = Number(process.env.BENCH_PORT);
  issuer = `http://127.0.0.1:${port}`;

  @Module({
    imports: [
      OAuthModule.forRoot({
        issuer,
        dataSource,
        scopes: {
          openid: { description: 'Sign you in' },
          offline_access: { description: 'Stay connected' },
          'accounts:read': { description: 'Read your account information' },
        },
        resourceOwner,
        interaction: { loginUrl: '/login' },
        accessTokenAudience: BENCH_RESOURCE,
        accessTokenTtl: BENCH_TTL.accessToken,
        refreshTokenTtl: BENCH_TTL.refreshToken,
        authorizationCodeTtl: BENCH_TTL.authorizationCode,
        idTokenTtl: BENCH_TTL.idToken,
        keys: { algorithms: [...new Set([BENCH_ACCESS_TOKEN_ALG, 'RS256' as const])] },
        resourceServer: { revocationCheck },
        // The hourly cleanup job would only add noise to a few minutes of load.
        cleanup: { enabled: false },
      }),
    ],
    controllers: [BenchController],
    providers: [JoseGuard],
  })
  class BenchAppModule {}

  const app = await createApp(BenchAppModule, adapterFromEnv());
  await app.listen(port, '127.0.0.1');
  if ((app.getHttpServer().address() as AddressInfo).port !== port)
    throw new Error('port mismatch');

  const clients = app.get(ClientService);
  const basic = (id: string, secret: string) =>
    `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
  const cc = await clients.register({
    name: 'Bench service',
    grantTypes: ['client_credentials'],
    scopes: ['accounts:read'],
  } as never);
  const web = await clients.register({
    name: 'Bench web app',
    grantTypes: ['authorization_code', 'refresh_token'],
    scopes: ['openid', 'offline_access', 'accounts:read'],
    redirectUris: [REDIRECT_URI],
    tokenEndpointAuthMethod: 'client_secret_basic',
  } as never);
  // Remembered consent: the flow workload goes authorize -> code -> token without a consent page.
  await app.get(ConsentService).grant(BENCH_USER, web.client.clientId, ['openid', 'accounts:read']);

  const issuerService = app.get(TokenIssuer);
  const config = app.get<OAuthConfig>(OAUTH_CONFIG);

  serveCommands(
    issuer,
    {
      setup: async (): Promise<ServerSetup> => {
        const ccAuthorization = basic(cc.client.clientId, cc.clientSecret!);
        const token = await fetch(`${issuer}/oauth/token`, {
          method: 'POST',
          headers: {
            authorization: ccAuthorization,
            'content-type': 'application/x-www-form-urlencoded',
          },
          body: 'grant_type=client_credentials&scope=accounts%3Aread',
        });
        if (token.status !== 200)
          throw new Error(`token request failed: ${token.status} ${await token.text()}`);
        return {
          paths: {
            token: '/oauth/token',
            authorize: '/oauth/authorize',
            introspection: '/oauth/introspect',
          },
          clientCredentials: {
            authorization: ccAuthorization,
            body: 'grant_type=client_credentials&scope=accounts%3Aread',
          },
          web: {
            clientId: web.client.clientId,
            authorization: basic(web.client.clientId, web.clientSecret!),
            redirectUri: REDIRECT_URI,
            scope: 'openid accounts:read',
            authorizeHeaders: { 'x-bench-user': BENCH_USER },
          },
          protectedRoute: {
            accessToken: ((await token.json()) as { access_token: string }).access_token,
            paths: {
              protected: '/bench/protected',
              unprotected: '/bench/unprotected',
              allowAll: '/bench/allow-all',
              jose: '/bench/jose',
            },
          },
        };
      },
      /** Refresh tokens of the web client, as an authorization code exchange would issue them. */
      refreshTokens: async (count) => {
        const tokens: string[] = [];
        for (let i = 0; i < (count as number); i += 50) {
          const batch = await Promise.all(
            Array.from({ length: Math.min(50, (count as number) - i) }, () =>
              issuerService.issue({
                clientId: web.client.clientId,
                subject: BENCH_USER,
                scopes: ['accounts:read'],
                grantType: 'authorization_code',
                withRefreshToken: true,
              }),
            ),
          );
          tokens.push(...batch.map((issued) => issued.response.refresh_token!));
        }
        return tokens;
      },
      config: () => ({ revocationCheck: config.resourceServer.revocationCheck }),
      cpuUsage: () => process.cpuUsage(),
      profileStart: () => profiler.start(),
      profileStop: (file) => profiler.stop(file as string),
    },
    () => app.close(),
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
