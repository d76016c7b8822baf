// `npm run bench:profile`: where our server's time goes under one workload. Starts ours (SQLite
// unless BENCH_PROFILE_DB=postgres), runs V8's CPU profiler (what node --cpu-prof uses) in it
// during BENCH_PROFILE_SECONDS (10) of one workload only, writes the .cpuprofile (open it in
// Chrome DevTools or speedscope) to bench/results/profiles/, and prints the main thread's
// self time by category (signing, hashing, database, Nest/Express pipeline, ...) and the top
// functions. BENCH_PROFILE_WORKLOAD: a (client_credentials, default), b, c (protected route),
// d, e. BENCH_ADAPTER: express (default) or fastify, the platform ours runs on. An existing
// profile can be summarized with: bench/profile.ts <file.cpuprofile>.
//
// The profile is of the main thread only: WebCrypto (jose) signs on libuv's thread pool, so an
// RS256 signature shows here only as its JavaScript wrapper; the pool's CPU time is measured
// separately (process CPU time minus the main thread's samples).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { freePort } from '../test/support/free-port';
import { createTestDatabase, startThrowawayPostgres } from '../test/support/postgres';
import { startServer } from './lib/ipc';
import { cannon, flows } from './lib/load';
import type { ServerSetup } from './servers/common';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  hitCount?: number;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Which part of the stack a function belongs to, by where its code lives. */
export function category(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (functionName === '(garbage collector)') return 'garbage collection';
  if (functionName === '(idle)') return 'idle (waiting for I/O)';
  if (functionName === '(program)') return 'V8/native, unattributed';
  if (url.includes('node_modules/jose/')) return 'JWT sign/verify (jose, JS side)';
  if (/crypto/.test(url) && url.startsWith('node:'))
    return 'node:crypto (hashes, random, key objects)';
  if (url.includes('node_modules/typeorm/')) return 'database: TypeORM';
  if (url.includes('node_modules/better-sqlite3/')) return 'database: better-sqlite3';
  if (/node_modules\/(pg|pg-protocol|pg-pool|pg-types|pgpass|postgres-[a-z]+)\//.test(url))
    return 'database: pg driver';
  if (
    /node_modules\/(@fastify\/[^/]+|fastify|find-my-way|avvio|light-my-request|fast-json-stringify|fast-querystring|fast-decode-uri-component|fastify-plugin|secure-json-parse|toad-cache|rfdc|pino|abstract-logging|process-warning|middie|ret|safe-regex2)\//.test(
      url,
    )
  )
    return 'Fastify and its plugins';
  if (url.includes('node_modules/@nestjs/')) return 'Nest pipeline';
  if (url.includes('node_modules/passport')) return 'passport';
  if (
    /node_modules\/(express|router|body-parser|raw-body|qs|send|finalhandler|on-finished|type-is|content-type|accepts|negotiator|mime-types|cookie|parseurl|path-to-regexp|depd|iconv-lite|media-typer|encodeurl|escape-html|statuses|http-errors|vary|etag|fresh|proxy-addr|forwarded|merge-descriptors|utils-merge|safe-buffer|debug|ms)\//.test(
      url,
    )
  )
    return 'Express and its middleware';
  if (url.includes('node_modules/rxjs/')) return 'rxjs (Nest interceptors)';
  if (url.includes('node_modules/reflect-metadata/')) return 'reflect-metadata';
  if (url.includes('node_modules/@swc') || url.includes('node_modules/pirates'))
    return 'swc-node (TypeScript loader)';
  if (url.includes('/src/')) return 'nest-oauth-server code';
  if (url.includes('/bench/')) return 'bench server code';
  if (
    /^node:(internal\/)?(_?http|net|stream|internal\/streams|internal\/http|_http)/.test(url) ||
    url.startsWith('node:internal/stream')
  )
    return 'Node HTTP and sockets';
  if (url.startsWith('node:')) return 'Node core, other';
  if (url === '') return `native: ${functionName || '(anonymous)'}`;
  return 'other JavaScript';
}

export function summarize(profile: CpuProfile, top = 25): string {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfMicros = new Map<number, number>();
  profile.samples.forEach((id, index) =>
    selfMicros.set(id, (selfMicros.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0)),
  );
  const total = [...selfMicros.values()].reduce((a, b) => a + b, 0);
  const idle = [...selfMicros]
    .filter(([id]) => byId.get(id)!.callFrame.functionName === '(idle)')
    .reduce((a, [, t]) => a + t, 0);
  const busy = total - idle;
  const categories = new Map<string, number>();
  const functions = new Map<string, number>();
  for (const [id, micros] of selfMicros) {
    const frame = byId.get(id)!.callFrame;
    const name = category(frame);
    if (name.startsWith('idle')) continue;
    categories.set(name, (categories.get(name) ?? 0) + micros);
    const where = frame.url
      ? `${frame.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*?\/(src|bench)\//, '$1/')}:${frame.lineNumber + 1}`
      : '';
    const key = `${frame.functionName || '(anonymous)'} ${where}`.trim();
    functions.set(key, (functions.get(key) ?? 0) + micros);
  }
  const percent = (micros: number) => `${((micros / busy) * 100).toFixed(1).padStart(5)}%`;
  const lines = [
    `main thread: ${(total / 1e6).toFixed(1)} s sampled, ${(busy / 1e6).toFixed(1)} s busy (${((busy / total) * 100).toFixed(0)}%); shares below are of the busy time`,
    '',
    'self time by category:',
    ...[...categories]
      .sort((a, b) => b[1] - a[1])
      .map(([name, micros]) => `  ${percent(micros)}  ${name}`),
    '',
    `top ${top} functions by self time:`,
    ...[...functions]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, micros]) => `  ${percent(micros)}  ${name}`),
  ];
  return lines.join('\n');
}

async function main(): Promise<void> {
  if (process.argv[2]) {
    console.log(summarize(JSON.parse(fs.readFileSync(process.argv[2], 'utf8')) as CpuProfile));
    return;
  }
  const workload = process.env.BENCH_PROFILE_WORKLOAD ?? 'a';
  const seconds = Number(process.env.BENCH_PROFILE_SECONDS ?? 10);
  const db = process.env.BENCH_PROFILE_DB ?? 'sqlite';
  const adapter = process.env.BENCH_ADAPTER ?? 'express';
  const dir = path.join(__dirname, 'results', 'profiles');
  fs.mkdirSync(dir, { recursive: true });
  const cleanups: (() => Promise<void>)[] = [];
  try {
    const env: Record<string, string> = {
      BENCH_PORT: String(await freePort()),
      BENCH_DB: db,
      BENCH_ADAPTER: adapter,
    };
    if (db === 'postgres') {
      const postgres = await startThrowawayPostgres();
      cleanups.push(() => postgres.stop());
      const database = await createTestDatabase(postgres.url);
      cleanups.push(() => database.drop());
      env.BENCH_PG_URL = database.url;
    }
    if (process.env.BENCH_PROFILE_REVOCATION)
      env.BENCH_REVOCATION = process.env.BENCH_PROFILE_REVOCATION;
    const server = await startServer('ours', 'ours-server.ts', env);
    let stopped = false;
    cleanups.push(async () => {
      if (!stopped) await server.stop();
    });
    const setup = await server.call<ServerSetup>('setup');
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    // Warm up (JIT, caches, connection pools) before profiling.
    await cannon(
      {
        url: `${server.url}${setup.paths.token}`,
        method: 'POST',
        headers: { ...form, authorization: setup.clientCredentials.authorization },
        body: setup.clientCredentials.body,
        seconds: 2,
      },
      { connections: 10 },
    );
    const file = path.join(
      dir,
      `ours-${adapter}-${db}-${workload}-${new Date().toISOString().replace(/[:.]/g, '-')}.cpuprofile`,
    );
    const tokens =
      workload === 'b'
        ? await server.call<string[]>('refreshTokens', Math.round(seconds * 700))
        : [];
    const [introspected] = workload === 'e' ? await server.call<string[]>('refreshTokens', 1) : [];
    await server.call('profileStart');
    const cpuBefore = await server.call<{ user: number; system: number }>('cpuUsage');
    const started = Date.now();
    let rate: number;
    switch (workload) {
      case 'a':
        rate = (
          await cannon(
            {
              url: `${server.url}${setup.paths.token}`,
              method: 'POST',
              headers: { ...form, authorization: setup.clientCredentials.authorization },
              body: setup.clientCredentials.body,
              seconds,
            },
            { connections: 10 },
          )
        ).rate;
        break;
      case 'b': {
        rate = (
          await cannon(
            {
              url: `${server.url}${setup.paths.token}`,
              method: 'POST',
              headers: { ...form, authorization: setup.web.authorization },
              bodies: tokens.map((t) => `grant_type=refresh_token&refresh_token=${t}`),
            },
            { connections: 10 },
          )
        ).rate;
        break;
      }
      case 'c':
        rate = (
          await cannon(
            {
              url: `${server.url}${setup.protectedRoute!.paths.protected}`,
              headers: { authorization: `Bearer ${setup.protectedRoute!.accessToken}` },
              seconds,
            },
            { connections: 10 },
          )
        ).rate;
        break;
      case 'd':
        rate = (await flows(server.url, setup, seconds, 10)).rate;
        break;
      case 'e': {
        rate = (
          await cannon(
            {
              url: `${server.url}${setup.paths.introspection}`,
              method: 'POST',
              headers: { ...form, authorization: setup.web.authorization },
              body: `token=${introspected}&token_type_hint=refresh_token`,
              seconds,
            },
            { connections: 10 },
          )
        ).rate;
        break;
      }
      default:
        throw new Error(`unknown workload ${workload}`);
    }
    const wall = (Date.now() - started) / 1000;
    const cpuAfter = await server.call<{ user: number; system: number }>('cpuUsage');
    await server.call('profileStop', file);
    await server.stop();
    stopped = true;
    const cpuSeconds = (cpuAfter.user + cpuAfter.system - cpuBefore.user - cpuBefore.system) / 1e6;
    console.log(
      `workload ${workload} on ${adapter} and ${db}: ${Math.round(rate)}/s for ${wall.toFixed(1)} s; server process CPU ${cpuSeconds.toFixed(1)} s (${((cpuSeconds / wall) * 100).toFixed(0)}% of one core, all threads)`,
    );
    console.log(`profile: ${path.relative(process.cwd(), file)}\n`);
    console.log(summarize(JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile));
  } finally {
    for (const cleanup of cleanups.reverse())
      await cleanup().catch((error) => console.error(error));
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
