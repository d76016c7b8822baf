// `npm run bench`: nest-oauth-server against oidc-provider, in one run on one machine.
//
// Each server runs in a process of its own (bench/servers/), the load comes from this process
// (autocannon, or a fetch loop for whole flows), on loopback. Per workload every subject is
// warmed up, then measured BENCH_RUNS times in rounds whose order rotates; the figure is the
// median. Ours runs on SQLite (in memory) and on a throwaway PostgreSQL started here like the
// tests' (or TEST_POSTGRES_URL); oidc-provider uses its in-memory adapter (it ships no other).
//
// Workloads: (a) client_credentials token requests, (b) refresh_token requests (rotating: each
// request spends a fresh, pre-issued refresh token), (c) a protected route with a JWT against
// the same route unprotected, (d) full authorization-code flows (authorize as a signed-in user
// with remembered consent -> code -> token with PKCE), (e) introspection of a refresh token.
//
// Environment: BENCH_RUN_SECONDS (4), BENCH_RUNS (3), BENCH_WARMUP_SECONDS (3),
// BENCH_CONNECTIONS (10), BENCH_FLOW_CONCURRENCY (10), BENCH_WORKLOADS (all: a,b,c,d,e),
// BENCH_DATABASES (sqlite,postgres), BENCH_ACCESS_TOKEN_ALG (RS256; ES256 or EdDSA sign access tokens
// with that algorithm on both servers, id_tokens stay RS256). Prints the table, writes JSON and Markdown to bench/results/.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { freePort } from '../test/support/free-port';
import { createTestDatabase, startThrowawayPostgres } from '../test/support/postgres';
import { BenchServer, startServer } from './lib/ipc';
import { cannon, flows, Measurement } from './lib/load';
import type { ServerSetup } from './servers/common';

function numberFromEnv(name: string, fallback: number): number {
  const value = process.env[name];
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < 0)
    throw new Error(`${name} must be a non-negative number, not "${value}".`);
  return parsed;
}

function listFromEnv(name: string, all: string[]): string[] {
  const value = process.env[name];
  if (!value) return all;
  const list = value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
  for (const item of list)
    if (!all.includes(item))
      throw new Error(`${name}: unknown "${item}" (choose from ${all.join(', ')})`);
  return list;
}

const options = {
  warmupSeconds: numberFromEnv('BENCH_WARMUP_SECONDS', 3),
  runSeconds: numberFromEnv('BENCH_RUN_SECONDS', 4),
  runs: Math.max(1, numberFromEnv('BENCH_RUNS', 3)),
  connections: Math.max(1, numberFromEnv('BENCH_CONNECTIONS', 10)),
  flowConcurrency: Math.max(1, numberFromEnv('BENCH_FLOW_CONCURRENCY', 10)),
  workloads: listFromEnv('BENCH_WORKLOADS', ['a', 'b', 'c', 'd', 'e']),
  databases: listFromEnv('BENCH_DATABASES', ['sqlite', 'postgres']),
};

interface Subject {
  key: string;
  measure(seconds: number): Promise<Measurement>;
}

interface SubjectResult {
  median: number;
  runs: number[];
  p99Ms?: number;
}

const log = (line: string) => console.log(line);

/** Warm every subject up, then `runs` rounds, each subject once per round, rotating who goes first. */
async function measureAll(
  workload: string,
  subjects: Subject[],
): Promise<Record<string, SubjectResult>> {
  for (const subject of subjects) {
    const warm = await subject.measure(options.warmupSeconds);
    log(`[${workload}] warm-up ${subject.key.padEnd(22)} ${Math.round(warm.rate)}/s`);
  }
  const runs = new Map<string, Measurement[]>(subjects.map((subject) => [subject.key, []]));
  for (let round = 0; round < options.runs; round++) {
    const shift = round % subjects.length;
    for (const subject of [...subjects.slice(shift), ...subjects.slice(0, shift)]) {
      const measurement = await subject.measure(options.runSeconds);
      runs.get(subject.key)!.push(measurement);
      log(
        `[${workload}] round ${round + 1} ${subject.key.padEnd(22)} ${Math.round(measurement.rate)}/s`,
      );
    }
  }
  return Object.fromEntries(
    [...runs].map(([key, measurements]) => [
      key,
      {
        median: median(measurements.map((m) => m.rate)),
        runs: measurements.map((m) => Math.round(m.rate)),
        ...(measurements[0].latencyP99Ms !== undefined
          ? { p99Ms: median(measurements.map((m) => m.latencyP99Ms!)) }
          : {}),
      },
    ]),
  );
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

interface Target {
  key: string;
  server: BenchServer;
  setup: ServerSetup;
}

const form = { 'content-type': 'application/x-www-form-urlencoded' };

/** (a) POST /token grant_type=client_credentials, the same request over and over. */
function clientCredentials(target: Target): Subject {
  const { setup, server } = target;
  return {
    key: target.key,
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
  return {
    key: target.key,
    measure: async (seconds) => {
      const count = Math.max(200, Math.round(rate * seconds)) + options.connections * 2;
      const tokens = await server.call<string[]>('refreshTokens', count);
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
function route(key: string, target: Target, name: string): Subject {
  const { setup, server } = target;
  return {
    key,
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

/** (d) Whole authorization-code flows. */
function codeFlows(target: Target): Subject {
  return {
    key: target.key,
    measure: (seconds) => flows(target.server.url, target.setup, seconds, options.flowConcurrency),
  };
}

/** (e) POST /introspect of one active refresh token by the client that holds it. */
function introspection(target: Target, token: string): Subject {
  const { setup, server } = target;
  return {
    key: target.key,
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
  const results: Record<string, Record<string, SubjectResult>> = {};
  let postgresVersion: string | undefined;
  try {
    // --- servers -------------------------------------------------------------------------
    const ours: Target[] = [];
    const startOurs = async (key: string, env: Record<string, string>) => {
      const server = await startServer(key, 'ours-server.ts', {
        BENCH_PORT: String(await freePort()),
        ...env,
      });
      cleanups.push(() => server.stop());
      return { key, server, setup: await server.call<ServerSetup>('setup') };
    };
    if (options.databases.includes('sqlite'))
      ours.push(await startOurs('ours SQLite', { BENCH_DB: 'sqlite' }));
    if (options.databases.includes('postgres')) {
      log('starting PostgreSQL ...');
      const postgres = await startThrowawayPostgres();
      cleanups.push(() => postgres.stop());
      const database = await createTestDatabase(postgres.url);
      cleanups.push(() => database.drop());
      postgresVersion = await pgVersion(postgres.url);
      ours.push(
        await startOurs('ours PostgreSQL', { BENCH_DB: 'postgres', BENCH_PG_URL: database.url }),
      );
    }
    const stateless = options.workloads.includes('c')
      ? await startOurs('ours stateless', { BENCH_DB: 'sqlite', BENCH_REVOCATION: 'stateless' })
      : undefined;
    const oidcServer = await startServer('oidc-provider', 'oidc-provider-server.ts', {});
    cleanups.push(() => oidcServer.stop());
    const oidc: Target = {
      key: 'oidc-provider',
      server: oidcServer,
      setup: await oidcServer.call<ServerSetup>('setup'),
    };
    const all = [...ours, oidc];
    log(
      `servers: ${[...all, ...(stateless ? [stateless] : [])].map((t) => `${t.key} ${t.server.url} (pid ${t.server.pid})`).join(', ')}`,
    );

    // --- workloads -----------------------------------------------------------------------
    if (options.workloads.includes('a'))
      results.a = await measureAll('a client_credentials', all.map(clientCredentials));
    if (options.workloads.includes('b'))
      results.b = await measureAll('b refresh_token', all.map(refresh));
    if (options.workloads.includes('c')) {
      const subjects: Subject[] = [];
      const sqlite = ours.find((t) => t.key === 'ours SQLite') ?? stateless!;
      subjects.push(route('unprotected', sqlite, 'unprotected'));
      subjects.push(route('no-op guard', sqlite, 'allowAll'));
      for (const target of ours) subjects.push(route(`${target.key} strict`, target, 'protected'));
      subjects.push(route('ours stateless', stateless!, 'protected'));
      subjects.push(route('jose guard', sqlite, 'jose'));
      results.c = await measureAll('c protected route', subjects);
    }
    if (options.workloads.includes('d'))
      results.d = await measureAll('d authorization code flow', all.map(codeFlows));
    if (options.workloads.includes('e')) {
      const subjects: Subject[] = [];
      for (const target of all)
        subjects.push(
          introspection(target, (await target.server.call<string[]>('refreshTokens', 1))[0]),
        );
      results.e = await measureAll('e introspection', subjects);
    }
  } finally {
    for (const cleanup of cleanups.reverse())
      await cleanup().catch((error) => console.error(error));
  }

  // --- report --------------------------------------------------------------------------
  const rows = table(results);
  console.log('');
  console.log(
    `Median of ${options.runs} runs of ${options.runSeconds} s after ${options.warmupSeconds} s of warm-up, ${options.connections} connections (flows: ${options.flowConcurrency} at a time).`,
  );
  console.table(
    rows.map(({ workload, subject, rate, ratio, runs }) => ({
      workload,
      subject,
      'median /s': rate,
      ratio,
      runs,
    })),
  );
  const checks = targets(results);
  for (const check of checks)
    console.log(`${check.met ? 'MET    ' : 'NOT MET'} ${check.target}: ${check.detail}`);

  const report = {
    benchmark: 'nest-oauth-server vs oidc-provider',
    date: new Date().toISOString(),
    durationSeconds: Math.round((Date.now() - started) / 1000),
    commit: gitCommit(),
    environment: environment(postgresVersion),
    options,
    results,
    targets: checks,
  };
  const dir = path.join(__dirname, 'results');
  fs.mkdirSync(dir, { recursive: true });
  const stamp = report.date.replace(/[:.]/g, '-');
  const jsonFile = path.join(dir, `bench-${stamp}.json`);
  fs.writeFileSync(jsonFile, `${JSON.stringify(report, null, 2)}\n`);
  const markdownFile = path.join(dir, `bench-${stamp}.md`);
  fs.writeFileSync(markdownFile, markdown(rows, checks, report));
  console.log(
    `\nResults: ${path.relative(process.cwd(), jsonFile)}, ${path.relative(process.cwd(), markdownFile)} (${report.durationSeconds} s)`,
  );
}

const WORKLOADS: Record<string, string> = {
  a: '(a) client_credentials token requests/s',
  b: '(b) refresh_token requests/s',
  c: '(c) protected route requests/s',
  d: '(d) authorization-code flows/s',
  e: '(e) introspection requests/s',
};

interface Row {
  workload: string;
  subject: string;
  rate: number;
  ratio: string;
  runs: string;
}

/** One row per subject; the ratio is against oidc-provider (for (c): against the unprotected route and the jose guard). */
function table(results: Record<string, Record<string, SubjectResult>>): Row[] {
  const rows: Row[] = [];
  for (const [workload, subjects] of Object.entries(results)) {
    for (const [subject, result] of Object.entries(subjects)) {
      let ratio = '';
      if (workload === 'c') {
        const unprotected = subjects.unprotected?.median;
        const jose = subjects['jose guard']?.median;
        if (subject !== 'unprotected' && unprotected)
          ratio = `${(result.median / unprotected).toFixed(2)} of unprotected`;
        if (subject.startsWith('ours') && jose)
          ratio += `, ${(result.median / jose).toFixed(2)}x jose guard`;
      } else if (subject !== 'oidc-provider' && subjects['oidc-provider']) {
        ratio = `${(result.median / subjects['oidc-provider'].median).toFixed(2)}x oidc-provider`;
      }
      rows.push({
        workload: WORKLOADS[workload],
        subject,
        rate: Math.round(result.median),
        ratio,
        runs: result.runs.join(' / '),
      });
    }
  }
  return rows;
}

interface TargetCheck {
  target: string;
  met: boolean;
  detail: string;
}

function targets(results: Record<string, Record<string, SubjectResult>>): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const ratioTo = (workload: string, subject: string, other: string) =>
    results[workload]?.[subject] && results[workload]?.[other]
      ? results[workload][subject].median / results[workload][other].median
      : undefined;
  for (const db of ['ours SQLite', 'ours PostgreSQL']) {
    const cc = ratioTo('a', db, 'oidc-provider');
    if (cc !== undefined)
      checks.push({
        target: `client_credentials >= 1.5x oidc-provider (${db})`,
        met: cc >= 1.5,
        detail: `${cc.toFixed(2)}x`,
      });
  }
  for (const subject of Object.keys(results.c ?? {}).filter((key) => key.startsWith('ours'))) {
    const ratio = ratioTo('c', subject, 'unprotected')!;
    checks.push({
      target: `protected route >= 85% of unprotected (${subject})`,
      met: ratio >= 0.85,
      detail: `${(ratio * 100).toFixed(0)}%`,
    });
  }
  for (const workload of ['a', 'b', 'd', 'e']) {
    for (const db of ['ours SQLite', 'ours PostgreSQL']) {
      const ratio = ratioTo(workload, db, 'oidc-provider');
      if (ratio !== undefined) {
        checks.push({
          target: `not below oidc-provider: ${WORKLOADS[workload]} (${db})`,
          met: ratio >= 1,
          detail: `${ratio.toFixed(2)}x`,
        });
      }
    }
  }
  for (const subject of Object.keys(results.c ?? {}).filter((key) => key.startsWith('ours'))) {
    const ratio = ratioTo('c', subject, 'jose guard')!;
    checks.push({
      target: `not below a jose guard (oidc-provider has none): protected route (${subject})`,
      met: ratio >= 1,
      detail: `${ratio.toFixed(2)}x`,
    });
  }
  return checks;
}

function markdown(
  rows: Row[],
  checks: TargetCheck[],
  report: { date: string; durationSeconds: number; environment: Record<string, unknown> },
): string {
  const lines = [
    `Run of ${report.date} (${report.durationSeconds} s), median of ${options.runs} runs of ${options.runSeconds} s, ${options.connections} connections.`,
    '',
    '| workload | subject | median /s | ratio | runs /s |',
    '| --- | --- | ---: | --- | --- |',
    ...rows.map(
      (row) => `| ${row.workload} | ${row.subject} | ${row.rate} | ${row.ratio} | ${row.runs} |`,
    ),
    '',
    ...checks.map(
      (check) => `- ${check.met ? 'met' : '**not met**'}: ${check.target}: ${check.detail}`,
    ),
    '',
    '```json',
    JSON.stringify(report.environment, null, 2),
    '```',
    '',
  ];
  return lines.join('\n');
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
      typeorm: packageVersion('typeorm'),
      jose: packageVersion('jose'),
      'better-sqlite3': packageVersion('better-sqlite3'),
      pg: packageVersion('pg'),
      autocannon: packageVersion('autocannon'),
      postgresql: postgresVersion,
    },
  };
}

async function pgVersion(url: string): Promise<string | undefined> {
  const client = new Client({ connectionString: url });
  try {
    await client.connect();
    return ((await client.query('SHOW server_version')).rows[0] as { server_version: string })
      .server_version;
  } catch {
    return undefined;
  } finally {
    await client.end().catch(() => undefined);
  }
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
