// Requests per second of one host route with and without OAuthGuard, in the same process and
// the same run: the guard's cost (passport, JWT signature, claims, scopes and, in `strict`
// mode, the token row lookup) relative to the bare route.
import 'reflect-metadata';
import { Controller, Get, INestApplication, Module, UseGuards } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import autocannon from 'autocannon';
import type { AddressInfo } from 'node:net';
import { ClientService, OAuthGuard, OAuthModule, Scopes } from '../src';

export type RevocationCheck = 'strict' | 'stateless';
export type RouteName = 'protected' | 'unprotected';

export interface ProtectedRouteOptions {
  /** Seconds of load on each route before measuring. */
  warmupSeconds: number;
  /** Seconds per timed run. */
  runSeconds: number;
  /** Timed runs per route (alternating routes). */
  runs: number;
  /** Concurrent connections. */
  connections: number;
  /** Load generator threads (autocannon `workers`): keeps it off the server's event loop. */
  workers: number;
}

export interface RunResult {
  route: RouteName;
  requestsPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  requests: number;
  non2xx: number;
  errors: number;
}

export interface ModeResult {
  revocationCheck: RevocationCheck;
  runs: RunResult[];
  medianRequestsPerSecond: Record<RouteName, number>;
  medianLatencyP99Ms: Record<RouteName, number>;
  /** protected / unprotected median requests per second. */
  ratio: number;
  /** protected / unprotected within each round (back-to-back runs), and their median. */
  roundRatios: number[];
  medianRoundRatio: number;
}

/** The handler both routes share: a small JSON body, like an account list. */
const ACCOUNTS = [
  { id: 'acc-1', iban: 'NL91ABNA0417164300', currency: 'EUR', balance: '2450.10' },
  { id: 'acc-2', iban: 'NL20INGB0001234567', currency: 'EUR', balance: '15000.00' },
];
function listAccounts() {
  return ACCOUNTS;
}

@Controller('bench')
class BenchController {
  @Get('protected')
  @UseGuards(OAuthGuard)
  @Scopes('accounts:read')
  protectedRoute() {
    return listAccounts();
  }

  @Get('unprotected')
  unprotectedRoute() {
    return listAccounts();
  }
}

/** An app like test/support/test-app.ts: OAuthModule on in-memory SQLite, plus the bench routes. */
async function startApp(
  revocationCheck: RevocationCheck,
): Promise<{ app: INestApplication; url: string }> {
  // The issuer must be known before listening: listen on a free port found first.
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  @Module({
    imports: [
      OAuthModule.forRoot({
        issuer: url,
        dataSource: { type: 'better-sqlite3', database: ':memory:' },
        scopes: { 'accounts:read': { description: 'Read your account information' } },
        grantTypes: ['client_credentials'],
        resourceServer: { revocationCheck },
      }),
    ],
    controllers: [BenchController],
  })
  class BenchAppModule {}
  const app = await NestFactory.create(BenchAppModule, { logger: false });
  await app.listen(port, '127.0.0.1');
  return { app, url };
}

async function clientCredentialsToken(app: INestApplication, url: string): Promise<string> {
  const { client, clientSecret } = await app.get(ClientService).register({
    name: 'Bench client',
    grantTypes: ['client_credentials'],
    scopes: ['accounts:read'],
  } as never);
  const basic = Buffer.from(
    `${encodeURIComponent(client.clientId)}:${encodeURIComponent(clientSecret!)}`,
  ).toString('base64');
  const response = await fetch(`${url}/oauth/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${basic}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: 'grant_type=client_credentials&scope=accounts%3Aread',
  });
  if (response.status !== 200)
    throw new Error(`token request failed: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { access_token: string }).access_token;
}

async function load(
  url: string,
  route: RouteName,
  token: string,
  seconds: number,
  options: ProtectedRouteOptions,
): Promise<RunResult> {
  const result = await autocannon({
    url: `${url}/bench/${route}`,
    headers: { authorization: `Bearer ${token}` },
    connections: options.connections,
    duration: seconds,
    workers: options.workers > 0 ? options.workers : undefined,
  });
  return {
    route,
    requestsPerSecond: result.requests.average,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

/**
 * One mode: warm both routes up, then `runs` timed runs per route, alternating which route goes
 * first in each round so neither always runs on a warmer (or hotter) machine.
 */
export async function benchProtectedRoute(
  revocationCheck: RevocationCheck,
  options: ProtectedRouteOptions,
  log: (line: string) => void = () => undefined,
): Promise<ModeResult> {
  const { app, url } = await startApp(revocationCheck);
  try {
    const token = await clientCredentialsToken(app, url);
    // Both routes answer 200 with this token: the bench measures successes only.
    for (const route of ['protected', 'unprotected'] as const) {
      const check = await fetch(`${url}/bench/${route}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      if (check.status !== 200) throw new Error(`${route} route answered ${check.status}`);
    }
    log(`[${revocationCheck}] warm-up ${options.warmupSeconds} s per route`);
    for (const route of ['protected', 'unprotected'] as const)
      await load(url, route, token, options.warmupSeconds, options);

    const runs: RunResult[] = [];
    for (let round = 0; round < options.runs; round++) {
      const order: RouteName[] =
        round % 2 === 0 ? ['protected', 'unprotected'] : ['unprotected', 'protected'];
      for (const route of order) {
        const run = await load(url, route, token, options.runSeconds, options);
        if (run.non2xx > 0 || run.errors > 0) {
          throw new Error(
            `${route} run had ${run.non2xx} non-2xx answers and ${run.errors} errors`,
          );
        }
        log(
          `[${revocationCheck}] round ${round + 1} ${route.padEnd(11)} ${Math.round(run.requestsPerSecond)} req/s`,
        );
        runs.push(run);
      }
    }
    const medianOf = (route: RouteName, pick: (run: RunResult) => number) =>
      median(runs.filter((run) => run.route === route).map(pick));
    const medianRequestsPerSecond = {
      protected: medianOf('protected', (r) => r.requestsPerSecond),
      unprotected: medianOf('unprotected', (r) => r.requestsPerSecond),
    };
    const roundRatios = [];
    for (let round = 0; round < options.runs; round++) {
      const [a, b] = runs.slice(round * 2, round * 2 + 2);
      const [p, u] = a.route === 'protected' ? [a, b] : [b, a];
      roundRatios.push(p.requestsPerSecond / u.requestsPerSecond);
    }
    return {
      revocationCheck,
      runs,
      medianRequestsPerSecond,
      medianLatencyP99Ms: {
        protected: medianOf('protected', (r) => r.latencyP99Ms),
        unprotected: medianOf('unprotected', (r) => r.latencyP99Ms),
      },
      ratio: medianRequestsPerSecond.protected / medianRequestsPerSecond.unprotected,
      roundRatios,
      medianRoundRatio: median(roundRatios),
    };
  } finally {
    await app.close();
  }
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

async function freePort(): Promise<number> {
  const net = await import('node:net');
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
