// Issue #15: a database restart must not answer 500. A dedicated PostgreSQL (and MariaDB) server
// is stopped under a running app: the token endpoint and a host route behind OAuthGuard (strict
// mode, so every request reads the token's row) answer 503 temporarily_unavailable with
// Retry-After, one warning is logged for the whole outage, and once the server is back both
// answer 200 again without restarting the app, with one "database reachable again" line.
//
// Express only: the outage needs a PostgreSQL or MariaDB server of its own, and Fastify runs on
// SQLite alone (test/support/targets.ts); a Fastify pass would cost two more server restarts.
import { randomBytes } from 'node:crypto';
import { Controller, Get, INestApplication, LoggerService, UseGuards } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { DataSourceOptions } from 'typeorm';
import { AccessToken, OAuthGuard, OAuthModule, OAUTH_PATHS } from '../../src';
import type { VerifiedAccessToken } from '../../src';
import { DATABASE_RETRY_AFTER_SECONDS } from '../../src/storage/database-unavailable';
import { createTestMariadbDatabase, startThrowawayMariadb } from '../support/mariadb';
import { createTestDatabase, startThrowawayPostgres } from '../support/postgres';
import { freePort, TEST_SCOPES, testResourceOwner, TestApp } from '../support/test-app';
import {
  clientCredentials,
  postForm,
  readCall,
  registerServiceClient,
  sleep,
  TestClient,
  TokenCall,
} from '../support/token-helpers';

@Controller('api')
@UseGuards(OAuthGuard)
class AccountsController {
  @Get('accounts')
  accounts(@AccessToken() token: VerifiedAccessToken) {
    return { clientId: token.clientId };
  }
}

type Level = 'log' | 'error' | 'warn' | 'debug' | 'verbose' | 'fatal';

/** Nest's logger for the app: records every line (level, context, message). */
class CapturingLogger implements LoggerService {
  readonly lines: { level: Level; context: string; message: string }[] = [];
  private record(level: Level, message: unknown, rest: unknown[]) {
    const context = typeof rest.at(-1) === 'string' ? (rest.at(-1) as string) : '';
    this.lines.push({ level, context, message: String(message) });
  }
  log = (message: unknown, ...rest: unknown[]) => this.record('log', message, rest);
  error = (message: unknown, ...rest: unknown[]) => this.record('error', message, rest);
  warn = (message: unknown, ...rest: unknown[]) => this.record('warn', message, rest);
  debug = (message: unknown, ...rest: unknown[]) => this.record('debug', message, rest);
  verbose = (message: unknown, ...rest: unknown[]) => this.record('verbose', message, rest);
  fatal = (message: unknown, ...rest: unknown[]) => this.record('fatal', message, rest);

  /** Every warning and error (of the module, Nest or the host), and info lines on the database. */
  outageLines() {
    return this.lines
      .filter(({ level, message }) =>
        level === 'log' ? /database/i.test(message) : !['debug', 'verbose'].includes(level),
      )
      .map(({ level, message }) => ({ level, message }));
  }
}

interface Server {
  /** A URL of a fresh database on the server. */
  database(): Promise<DataSourceOptions>;
  stopServer(): Promise<void>;
  startServer(): Promise<void>;
  stop(): Promise<void>;
}

const SERVERS: [string, () => Promise<Server>][] = [
  [
    'postgres',
    async () => {
      const server = await startThrowawayPostgres({ dedicated: true });
      return {
        ...server,
        database: async () => ({
          type: 'postgres',
          url: (await createTestDatabase(server.url)).url,
        }),
      };
    },
  ],
  [
    'mariadb',
    async () => {
      const server = await startThrowawayMariadb({ dedicated: true });
      return {
        ...server,
        database: async () => ({
          type: 'mariadb',
          url: (await createTestMariadbDatabase(server.url)).url,
        }),
      };
    },
  ],
];

describe.each(SERVERS)('database outage on %s', (_, startServer) => {
  let server: Server;
  let app: INestApplication;
  let testApp: TestApp;
  let logger: CapturingLogger;
  let client: TestClient;
  let accessToken: string;

  beforeAll(async () => {
    server = await startServer();
    const dataSource = await server.database();
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const moduleRef = await Test.createTestingModule({
      imports: [
        OAuthModule.forRoot({
          issuer: url,
          dataSource,
          scopes: TEST_SCOPES,
          resourceOwner: testResourceOwner,
          interaction: { loginUrl: '/login' },
          resourceServer: { revocationCheck: 'strict' },
          // Keys sealed, as in production: the log then holds no start-up warning about them.
          keys: { encryptionKeys: [{ id: 'kek-1', key: randomBytes(32).toString('base64') }] },
        }),
      ],
      controllers: [AccountsController],
    }).compile();
    logger = new CapturingLogger();
    app = moduleRef.createNestApplication({ logger });
    await app.listen(port, '127.0.0.1');
    testApp = { app, url, close: () => app.close() };
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    await server?.stop();
  }, 60_000);

  const guarded = async (): Promise<TokenCall> => {
    const response = await fetch(`${testApp.url}/api/accounts`, {
      headers: { authorization: `Bearer ${accessToken}` },
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, text, body: JSON.parse(text) };
  };

  const expectUnavailable = (call: TokenCall) => {
    expect({
      status: call.status,
      retryAfter: call.headers.get('retry-after'),
      body: call.body,
    }).toEqual({
      status: 503,
      retryAfter: String(DATABASE_RETRY_AFTER_SECONDS),
      body: { error: 'temporarily_unavailable', error_description: expect.any(String) },
    });
  };

  it('answers 503 with Retry-After during the outage, logs it once, and recovers on its own', async () => {
    client = await registerServiceClient(testApp);
    const issued = await clientCredentials(testApp, client, { scope: 'accounts:read' });
    expect(issued.status).toBe(200);
    accessToken = issued.body.access_token;
    expect((await guarded()).status).toBe(200);
    expect(logger.outageLines()).toEqual([]);

    await server.stopServer();

    // 50 requests during one outage: the token endpoint, the guard, introspection, revocation
    // (and two more below).
    const calls: TokenCall[] = [];
    for (let round = 0; round < 10; round++) {
      calls.push(
        ...(await Promise.all([
          clientCredentials(testApp, client, { scope: 'accounts:read' }),
          guarded(),
          guarded(),
          postForm(testApp, { token: accessToken }, basicOf(client), OAUTH_PATHS.introspection),
          postForm(testApp, { token: 'x' }, basicOf(client), OAUTH_PATHS.revocation),
        ])),
      );
    }
    expect(calls).toHaveLength(50);
    for (const call of calls) expectUnavailable(call);
    // The token endpoint's errors are never cached (RFC 6749 §5.2).
    expect(calls[0].headers.get('cache-control')).toBe('no-store');

    // Userinfo (an RFC 6750 resource) answers the same JSON 503.
    const userinfo = await fetch(`${testApp.url}${OAUTH_PATHS.userinfo}`, {
      headers: { authorization: `Bearer ${accessToken}` },
    });
    expectUnavailable({ ...(await readCall(userinfo)) });
    // The authorization endpoint cannot check the client, so it cannot redirect: a 503 page.
    const authorize = await fetch(
      `${testApp.url}${OAUTH_PATHS.authorize}?client_id=${client.clientId}&response_type=code`,
      { redirect: 'manual' },
    );
    expect({
      status: authorize.status,
      retryAfter: authorize.headers.get('retry-after'),
      type: authorize.headers.get('content-type'),
    }).toEqual({
      status: 503,
      retryAfter: String(DATABASE_RETRY_AFTER_SECONDS),
      type: 'text/html; charset=utf-8',
    });
    expect(await authorize.text()).toContain('Temporarily unavailable');

    const duringOutage = logger.outageLines();
    expect(duringOutage).toEqual([
      { level: 'warn', message: expect.stringMatching(/^Database unavailable/) },
    ]);
    // Never the request, a token or a secret.
    expect(duringOutage[0].message).not.toContain(accessToken);
    expect(duringOutage[0].message).not.toContain(client.clientSecret!);

    await server.startServer();

    // The very next requests reach the database again: no restart of the app, nothing stays
    // open (no circuit breaker).
    const again = await clientCredentials(testApp, client);
    expect(again.status).toBe(200);
    expect((await guarded()).status).toBe(200);

    await waitFor(() => logger.outageLines().length >= 2);
    expect(logger.outageLines()).toEqual([
      { level: 'warn', message: expect.stringMatching(/^Database unavailable/) },
      { level: 'log', message: expect.stringMatching(/database reachable again/i) },
    ]);
  }, 120_000);
});

function basicOf(client: TestClient): Record<string, string> {
  const basic = Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64');
  return { authorization: `Basic ${basic}` };
}

async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await sleep(100);
}
