// `npm run bench`: nest-oauth-server against oidc-provider, in one run on one machine.
//
// Each server runs in a process of its own (bench/servers/), the load comes from this process
// (autocannon, or a fetch loop for whole flows), on loopback. Ours runs on Express and on Fastify,
// each on SQLite (in memory) and on a throwaway PostgreSQL started here like the tests' (or
// TEST_POSTGRES_URL); oidc-provider uses its in-memory adapter (it ships no other). Per workload
// every subject is warmed up, then measured BENCH_RUNS times in rounds whose order rotates
// (bench/lib/measure.ts); the figure is the median, a ratio the median of per-round ratios.
//
// Before the servers start, the machine's signing limit is measured (bench/lib/sign-limit.ts):
// signatures/s of the access-token algorithm on all cores, no HTTP; each client_credentials
// figure is also shown as a share of it. Where taskset allows, this process and the servers
// (with PostgreSQL) run on separate CPUs (bench/lib/pinning.ts). Each subject's row shows its
// server's peak RSS during its runs (bench/lib/peak-rss.ts).
//
// Workloads: (a) client_credentials token requests, (b) refresh_token requests (rotating: each
// request spends a fresh, pre-issued refresh token), (c) a protected route with a JWT against
// the same route unprotected, on the same platform, (d) full authorization-code flows (authorize
// as a signed-in user with remembered consent -> code -> token with PKCE), (e) introspection of
// a refresh token.
//
// Environment: BENCH_RUN_SECONDS (4), BENCH_RUNS (3), BENCH_WARMUP_SECONDS (3),
// BENCH_CONNECTIONS (10), BENCH_FLOW_CONCURRENCY (10), BENCH_WORKLOADS (all: a,b,c,d,e),
// BENCH_DATABASES (sqlite,postgres), BENCH_ADAPTERS (express,fastify), BENCH_ACCESS_TOKEN_ALG
// (RS256; ES256 or EdDSA sign access tokens with that algorithm on both servers, id_tokens stay
// RS256), BENCH_SIGN_SECONDS (3; 0 skips the signing limit), BENCH_PIN (on; off: no pinning).
// Prints the table, writes JSON and Markdown to bench/results/.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort } from '../test/support/free-port';
import { createTestDatabase, startThrowawayPostgres } from '../test/support/postgres';
import { listFromEnv, numberFromEnv } from './lib/env';
import { BenchServer, startServer } from './lib/ipc';
import { cannon, flows } from './lib/load';
import { Comparison, measureAll, Subject } from './lib/measure';
import { peakRss } from './lib/peak-rss';
import { pin, planPinning } from './lib/pinning';
import { pgVersion, postmasterPid } from './lib/postgres';
import { markdown, Results, rows, table, targets } from './lib/report';
import { measureSignatureLimit, SignatureLimit } from './lib/sign-limit';
import {
  BENCH_ACCESS_TOKEN_ALG,
  BENCH_ADAPTERS,
  BenchAdapter,
  ServerSetup,
} from './servers/common';

const options = {
  warmupSeconds: numberFromEnv('BENCH_WARMUP_SECONDS', 3),
  runSeconds: numberFromEnv('BENCH_RUN_SECONDS', 4),
  runs: Math.max(1, numberFromEnv('BENCH_RUNS', 3)),
  connections: Math.max(1, numberFromEnv('BENCH_CONNECTIONS', 10)),
  flowConcurrency: Math.max(1, numberFromEnv('BENCH_FLOW_CONCURRENCY', 10)),
  workloads: listFromEnv('BENCH_WORKLOADS', ['a', 'b', 'c', 'd', 'e']),
  databases: listFromEnv('BENCH_DATABASES', ['sqlite', 'postgres']),
  adapters: listFromEnv('BENCH_ADAPTERS', BENCH_ADAPTERS),
  signSeconds: numberFromEnv('BENCH_SIGN_SECONDS', 3),
  accessTokenAlgorithm: BENCH_ACCESS_TOKEN_ALG,
};

const log = (line: string) => console.log(line);

const PLATFORM: Record<BenchAdapter, string> = { express: 'Express', fastify: 'Fastify' };
const DATABASE: Record<string, string> = { sqlite: 'SQLite', postgres: 'PostgreSQL' };

interface Target {
  key: string;
  server: BenchServer;
  setup: ServerSetup;
}

const form = { 'content-type': 'application/x-www-form-urlencoded' };
const toOidcProvider: Comparison[] = [
  { to: 'oidc-provider', role: 'oidc-provider', style: 'times' },
];

/** (a) POST /token grant_type=client_credentials, the same request over and over. */
function clientCredentials(target: Target): Subject {
  const { setup, server } = target;
  return {
    key: target.key,
    pid: server.pid,
    compareTo: target.key === 'oidc-provider' ? [] : toOidcProvider,
    measure: (seconds) =>
      cannon(
        {
          url: `${server.url}${setup.paths.token}`,
          method: 'POST',
          headers: { ...form, authorization: setup.clientCredentials.authorization },
          body: setup.clientCredentials.body,
          seconds,
        },
        options,
      ),
  };
}

/**
 * (b) POST /token grant_type=refresh_token. Refresh tokens rotate, so each request spends one
 * of a pool issued before the run: the run is as many requests as the pool holds, sized from
 * the previous run's rate to last about `seconds`.
 */
function refresh(target: Target): Subject {
  const { setup, server } = target;
  let rate = 300;
  let tokens: string[] = [];
  return {
    key: target.key,
    pid: server.pid,
    compareTo: target.key === 'oidc-provider' ? [] : toOidcProvider,
    prepare: async (seconds) => {
      const count = Math.max(200, Math.round(rate * seconds)) + options.connections * 2;
      tokens = await server.call<string[]>('refreshTokens', count);
    },
    measure: async () => {
      const measurement = await cannon(
        {
          url: `${server.url}${setup.paths.token}`,
          method: 'POST',
          headers: { ...form, authorization: setup.web.authorization },
          bodies: tokens.map(
            (token) => `grant_type=refresh_token&refresh_token=${encodeURIComponent(token)}`,
          ),
        },
        options,
      );
      rate = measurement.rate;
      return measurement;
    },
  };
}

/** (c) GET a bench route of our app with a Bearer JWT. */
function route(key: string, target: Target, name: string, compareTo: Comparison[]): Subject {
  const { setup, server } = target;
  return {
    key,
    pid: server.pid,
    compareTo,
    measure: (seconds) =>
      cannon(
        {
          url: `${server.url}${setup.protectedRoute!.paths[name]}`,
          headers: { authorization: `Bearer ${setup.protectedRoute!.accessToken}` },
          seconds,
        },
        options,
      ),
  };
}

/**
 * (c) for one platform: the routes of its SQLite server (unprotected, no-op guard, jose guard),
 * the strict guard of each of its databases and the stateless one. Ratios are to the same
 * platform's unprotected route and jose guard; the unprotected route of a platform other than
 * Express is also compared to Express's.
 */
function protectedRoutes(platform: string, targets: Target[], withExpress: boolean): Subject[] {
  const ofPlatform = targets.filter((target) => target.key.startsWith(`ours ${platform} `));
  const stateless = ofPlatform.find((target) => target.key.endsWith(' stateless'))!;
  const host = ofPlatform.find((target) => target.key.endsWith(' SQLite')) ?? stateless;
  const unprotected = `${platform} unprotected`;
  const jose = `${platform} jose guard`;
  const toUnprotected: Comparison = { to: unprotected, role: 'unprotected', style: 'share' };
  const toJose: Comparison = { to: jose, role: 'jose guard', style: 'times' };
  const guarded = ofPlatform.map((target) =>
    route(target === stateless ? target.key : `${target.key} strict`, target, 'protected', [
      toUnprotected,
      toJose,
    ]),
  );
  return [
    route(
      unprotected,
      host,
      'unprotected',
      withExpress
        ? [{ to: 'Express unprotected', role: 'Express unprotected', style: 'times' }]
        : [],
    ),
    route(`${platform} no-op guard`, host, 'allowAll', [toUnprotected]),
    ...guarded,
    route(jose, host, 'jose', [toUnprotected]),
  ];
}

/** (d) Whole authorization-code flows. */
function codeFlows(target: Target): Subject {
  return {
    key: target.key,
    pid: target.server.pid,
    compareTo: target.key === 'oidc-provider' ? [] : toOidcProvider,
    measure: (seconds) => flows(target.server.url, target.setup, seconds, options.flowConcurrency),
  };
}

/** (e) POST /introspect of one active refresh token by the client that holds it. */
function introspection(target: Target, token: string): Subject {
  const { setup, server } = target;
  return {
    key: target.key,
    pid: server.pid,
    compareTo: target.key === 'oidc-provider' ? [] : toOidcProvider,
    measure: (seconds) =>
      cannon(
        {
          url: `${server.url}${setup.paths.introspection}`,
          method: 'POST',
          headers: { ...form, authorization: setup.web.authorization },
          body: `token=${encodeURIComponent(token)}&token_type_hint=refresh_token`,
          seconds,
        },
        options,
      ),
  };
}

async function main(): Promise<void> {
  const started = Date.now();
  const cleanups: (() => Promise<void>)[] = [];
  const results: Results = {};
  const notes: string[] = [];
  const note = (line: string) => {
    notes.push(line);
    log(line);
  };
  let postgresVersion: string | undefined;
  const rss = peakRss();

  // --- the machine's signing limit, on all cores, before anything is pinned or started -----
  let limit: SignatureLimit | undefined;
  if (options.signSeconds > 0) {
    limit = await measureSignatureLimit(options.accessTokenAlgorithm, options.signSeconds);
    note(
      `signing limit: ${Math.round(limit.perSecond)} ${limit.algorithm} signatures/s on ${limit.threads} threads (node:crypto, no HTTP; per thread ${limit.perThread.join(' / ')})`,
    );
  }

  // --- pinning -----------------------------------------------------------------------------
  const pinning = planPinning();
  note(pinning.note);
  const pinServer = (name: string, pid: number, withChildren = false) => {
    if (!pinning.servers) return;
    const failed = pin(pid, pinning.servers, withChildren);
    if (failed) note(`${name} not pinned: ${failed}`);
  };
  if (pinning.load) {
    const failed = pin(process.pid, pinning.load);
    if (failed) note(`bench process not pinned: ${failed}`);
  }

  try {
    // --- servers -------------------------------------------------------------------------
    const ours: Target[] = [];
    const startOurs = async (key: string, env: Record<string, string>) => {
      const server = await startServer(key, 'ours-server.ts', {
        BENCH_PORT: String(await freePort()),
        ...env,
      });
      cleanups.push(() => server.stop());
      pinServer(key, server.pid);
      return { key, server, setup: await server.call<ServerSetup>('setup') };
    };
    let postgresUrl: string | undefined;
    if (options.databases.includes('postgres')) {
      log('starting PostgreSQL ...');
      const postgres = await startThrowawayPostgres();
      cleanups.push(() => postgres.stop());
      const database = await createTestDatabase(postgres.url);
      cleanups.push(() => database.drop());
      postgresVersion = await pgVersion(postgres.url);
      postgresUrl = database.url;
      if (pinning.servers && process.env.TEST_POSTGRES_URL) {
        note('PostgreSQL not pinned: TEST_POSTGRES_URL is a server the bench did not start');
      } else if (pinning.servers) {
        const postmaster = await postmasterPid(postgres.url);
        if (postmaster === undefined) note('PostgreSQL not pinned: its postmaster pid is unknown');
        else pinServer('PostgreSQL', postmaster, true);
      }
    }
    for (const adapter of options.adapters) {
      const platform = PLATFORM[adapter];
      for (const db of options.databases)
        ours.push(
          await startOurs(`ours ${platform} ${DATABASE[db]}`, {
            BENCH_ADAPTER: adapter,
            BENCH_DB: db,
            ...(db === 'postgres' ? { BENCH_PG_URL: postgresUrl! } : {}),
          }),
        );
      if (options.workloads.includes('c'))
        ours.push(
          await startOurs(`ours ${platform} stateless`, {
            BENCH_ADAPTER: adapter,
            BENCH_DB: 'sqlite',
            BENCH_REVOCATION: 'stateless',
          }),
        );
    }
    const oidcServer = await startServer('oidc-provider', 'oidc-provider-server.ts', {});
    cleanups.push(() => oidcServer.stop());
    pinServer('oidc-provider', oidcServer.pid);
    const oidc: Target = {
      key: 'oidc-provider',
      server: oidcServer,
      setup: await oidcServer.call<ServerSetup>('setup'),
    };
    log(`servers: ${[...ours, oidc].map((t) => `${t.key} (pid ${t.server.pid})`).join(', ')}`);
    // The stateless servers serve (c) only; every other workload compares the database servers.
    const all = [...ours.filter((target) => !target.key.endsWith(' stateless')), oidc];

    // --- workloads -----------------------------------------------------------------------
    const run = (workload: string, subjects: Subject[]) =>
      measureAll(workload, subjects, options, rss, log);
    if (options.workloads.includes('a')) {
      results.a = await run('a client_credentials', all.map(clientCredentials));
      if (limit)
        for (const result of Object.values(results.a))
          result.signingLimitShare = result.median / limit.perSecond;
    }
    if (options.workloads.includes('b')) results.b = await run('b refresh_token', all.map(refresh));
    if (options.workloads.includes('c'))
      results.c = await run(
        'c protected route',
        options.adapters.flatMap((adapter) =>
          protectedRoutes(
            PLATFORM[adapter],
            ours,
            adapter !== 'express' && options.adapters.includes('express'),
          ),
        ),
      );
    if (options.workloads.includes('d'))
      results.d = await run('d authorization code flow', all.map(codeFlows));
    if (options.workloads.includes('e')) {
      const subjects: Subject[] = [];
      for (const target of all)
        subjects.push(
          introspection(target, (await target.server.call<string[]>('refreshTokens', 1))[0]),
        );
      results.e = await run('e introspection', subjects);
    }
  } finally {
    for (const cleanup of cleanups.reverse())
      await cleanup().catch((error) => console.error(error));
  }
  if (!rss.resettable)
    note(
      'peak RSS: /proc/<pid>/clear_refs refused the reset, so each figure is the peak since the server started',
    );

  // --- report --------------------------------------------------------------------------
  const rowsOfRun = rows(results, options.runs);
  const heading = [
    `Median of ${options.runs} runs of ${options.runSeconds} s after ${options.warmupSeconds} s of warm-up, ${options.connections} connections (flows: ${options.flowConcurrency} at a time); (d) in flows/s, the rest in requests/s.`,
    `Ratios: median of the per-round ratios (min-max over the rounds); for (c) to the unprotected route and the jose guard of the same platform.`,
    limit
      ? `Signing limit: ${Math.round(limit.perSecond)} ${limit.algorithm} signatures/s on ${limit.threads} threads (node:crypto, no HTTP); (a) is shown as a share of it, one signature per token.`
      : 'Signing limit: not measured (BENCH_SIGN_SECONDS=0).',
    `${pinning.note}. Peak RSS: the server process's VmHWM during the subject's warm-up and runs${rss.resettable ? '' : ' (peak since start: the reset was refused)'}.`,
  ];
  console.log('');
  for (const line of heading) console.log(line);
  console.log('');
  console.log(table(rowsOfRun));
  const checks = targets(results, options.runs);
  console.log('');
  for (const check of checks)
    console.log(`${check.met ? 'MET    ' : 'NOT MET'} ${check.target}: ${check.detail}`);

  const report = {
    benchmark: 'nest-oauth-server vs oidc-provider',
    date: new Date().toISOString(),
    durationSeconds: Math.round((Date.now() - started) / 1000),
    commit: gitCommit(),
    environment: environment(postgresVersion),
    options,
    signingLimit: limit,
    pinning,
    peakRss: {
      unit: 'MiB',
      source: 'VmHWM of the server process during the subject’s warm-up and runs',
      resetBetweenRuns: rss.resettable,
    },
    notes,
    results,
    targets: checks,
  };
  const dir = path.join(__dirname, 'results');
  fs.mkdirSync(dir, { recursive: true });
  const stamp = report.date.replace(/[:.]/g, '-');
  const jsonFile = path.join(dir, `bench-${stamp}.json`);
  fs.writeFileSync(jsonFile, `${JSON.stringify(report, null, 2)}\n`);
  const markdownFile = path.join(dir, `bench-${stamp}.md`);
  fs.writeFileSync(
    markdownFile,
    markdown(
      [`Run of ${report.date} (${report.durationSeconds} s).`, '', ...heading],
      rowsOfRun,
      checks,
      report.environment,
    ),
  );
  console.log(
    `\nResults: ${path.relative(process.cwd(), jsonFile)}, ${path.relative(process.cwd(), markdownFile)} (${report.durationSeconds} s)`,
  );
}

function packageVersion(name: string): string | undefined {
  try {
    return (
      JSON.parse(fs.readFileSync(require.resolve(`${name}/package.json`), 'utf8')) as {
        version: string;
      }
    ).version;
  } catch {
    return undefined;
  }
}

function environment(postgresVersion?: string): Record<string, unknown> {
  return {
    node: process.version,
    platform: `${os.platform()} ${os.arch()}`,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    versions: {
      'nest-oauth-server': (
        JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as {
          version: string;
        }
      ).version,
      'oidc-provider': packageVersion('oidc-provider'),
      '@nestjs/core': packageVersion('@nestjs/core'),
      '@nestjs/platform-express': packageVersion('@nestjs/platform-express'),
      '@nestjs/platform-fastify': packageVersion('@nestjs/platform-fastify'),
      express: packageVersion('express'),
      fastify: packageVersion('fastify'),
      typeorm: packageVersion('typeorm'),
      jose: packageVersion('jose'),
      'better-sqlite3': packageVersion('better-sqlite3'),
      pg: packageVersion('pg'),
      autocannon: packageVersion('autocannon'),
      postgresql: postgresVersion,
    },
  };
}

function gitCommit(): string | undefined {
  try {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], {
      cwd: __dirname,
      encoding: 'utf8',
    }).trim();
    const dirty =
      execFileSync('git', ['status', '--porcelain'], {
        cwd: __dirname,
        encoding: 'utf8',
      }).trim() !== '';
    return dirty ? `${commit} (with uncommitted changes)` : commit;
  } catch {
    return undefined;
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
