// `npm run bench`: requests/s of a route protected by OAuthGuard against the same route without
// it, in the same run, in both revocation-check modes. Prints a table and writes the results as
// JSON to bench/results/ (git-ignored). About 85 s with the defaults.
//
// Environment: BENCH_RUN_SECONDS (5), BENCH_RUNS (3), BENCH_WARMUP_SECONDS (2),
// BENCH_CONNECTIONS (10), BENCH_WORKERS (1; 0 runs autocannon on the server's own thread).
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { benchProtectedRoute, ModeResult, ProtectedRouteOptions } from './protected-route';

function numberFromEnv(name: string, fallback: number): number {
  const value = process.env[name];
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < 0)
    throw new Error(`${name} must be a non-negative number, not "${value}".`);
  return parsed;
}

async function main(): Promise<void> {
  const options: ProtectedRouteOptions = {
    warmupSeconds: numberFromEnv('BENCH_WARMUP_SECONDS', 2),
    runSeconds: numberFromEnv('BENCH_RUN_SECONDS', 5),
    runs: numberFromEnv('BENCH_RUNS', 3),
    connections: numberFromEnv('BENCH_CONNECTIONS', 10),
    workers: numberFromEnv('BENCH_WORKERS', 1),
  };
  const started = Date.now();
  const modes: ModeResult[] = [];
  for (const mode of ['strict', 'stateless'] as const) {
    modes.push(await benchProtectedRoute(mode, options, (line) => console.log(line)));
  }

  console.log('');
  console.log(
    'GET /bench/{protected,unprotected}: same handler, median of',
    options.runs,
    'runs of',
    options.runSeconds,
    's',
  );
  console.table(
    modes.flatMap((mode) =>
      (['protected', 'unprotected'] as const).map((route) => ({
        revocationCheck: mode.revocationCheck,
        route,
        'median req/s': Math.round(mode.medianRequestsPerSecond[route]),
        'runs req/s': mode.runs
          .filter((run) => run.route === route)
          .map((run) => Math.round(run.requestsPerSecond))
          .join(' / '),
        'median p99 ms': mode.medianLatencyP99Ms[route],
      })),
    ),
  );
  for (const mode of modes) {
    console.log(
      `${mode.revocationCheck.padEnd(9)} protected/unprotected = ${mode.ratio.toFixed(2)} ` +
        `(per round: ${mode.roundRatios.map((r) => r.toFixed(2)).join(' / ')})`,
    );
  }

  const report = {
    benchmark: 'protected-route',
    date: new Date().toISOString(),
    durationSeconds: Math.round((Date.now() - started) / 1000),
    commit: gitCommit(),
    environment: {
      node: process.version,
      platform: `${os.platform()} ${os.arch()}`,
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model,
      database: 'SQLite in memory (better-sqlite3)',
      accessTokens: 'JWT RS256',
    },
    options,
    modes,
  };
  const dir = path.join(__dirname, 'results');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `protected-route-${report.date.replace(/[:.]/g, '-')}.json`);
  fs.writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\nResults: ${path.relative(process.cwd(), file)} (${report.durationSeconds} s)`);
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
