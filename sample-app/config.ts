import { randomBytes } from 'node:crypto';
import * as path from 'node:path';

/** Everything the sample app reads from its environment, read once at start. */
export interface SampleConfig {
  /** `PORT`, default 3000. */
  port: number;
  /** `HOST`: the interface to listen on. Default: all interfaces (Node's default). */
  host?: string;
  /** `OAUTH_ISSUER`, default `http://localhost:$PORT`. */
  issuer: string;
  /** From `DATABASE_URL` (see parseDatabaseUrl). */
  database: SampleDatabase;
  /** `OAUTH_REGISTRATION_TOKEN`: when set, Dynamic Client Registration is on, guarded by it. */
  registrationToken?: string;
  /**
   * `SESSION_SECRET`: signs session cookies. Default: random per process, so sessions end on
   * restart; set it when several instances share users' sessions.
   */
  sessionSecret: Buffer;
  /** Send cookies with `Secure`: true when the issuer is https. */
  secureCookies: boolean;
  /** `HTTP_ADAPTER`: the Nest HTTP adapter the app runs on. Default `express`. */
  httpAdapter: SampleHttpAdapter;
}

/** The HTTP adapters the sample runs on (`HTTP_ADAPTER`). */
export const SAMPLE_HTTP_ADAPTERS = ['express', 'fastify'] as const;
export type SampleHttpAdapter = (typeof SAMPLE_HTTP_ADAPTERS)[number];

export type SampleDatabase =
  | { type: 'sqlite-file'; file: string }
  | { type: 'sqlite-memory' }
  | { type: 'postgres'; url: string }
  | { type: 'mariadb'; url: string };

/** Where the SQLite file lives when DATABASE_URL is unset (git-ignored). */
export const DEFAULT_SQLITE_FILE = path.join(__dirname, 'data', 'sample.sqlite');

/** A variable of the environment the sample cannot run with; the message says how to fix it. */
export class SampleConfigError extends Error {
  override readonly name = 'SampleConfigError';
}

export function loadSampleConfig(env: NodeJS.ProcessEnv = process.env): SampleConfig {
  const port = env.PORT ? Number(env.PORT) : 3000;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new SampleConfigError(`PORT must be a port number, not "${env.PORT}".`);
  }
  const issuer = env.OAUTH_ISSUER || `http://localhost:${port}`;
  return {
    port,
    host: env.HOST || undefined,
    issuer,
    database: parseDatabaseUrl(env.DATABASE_URL),
    registrationToken: env.OAUTH_REGISTRATION_TOKEN || undefined,
    sessionSecret: env.SESSION_SECRET ? Buffer.from(env.SESSION_SECRET, 'utf8') : randomBytes(32),
    secureCookies: issuer.startsWith('https:'),
    httpAdapter: parseHttpAdapter(env.HTTP_ADAPTER),
  };
}

/** `HTTP_ADAPTER`: unset or `express` -> Express (Nest's default); `fastify` -> Fastify. */
export function parseHttpAdapter(value: string | undefined): SampleHttpAdapter {
  if (!value) return 'express';
  const known = SAMPLE_HTTP_ADAPTERS.find((adapter) => adapter === value);
  if (known) return known;
  throw new SampleConfigError(
    `HTTP_ADAPTER must be unset, "express" or "fastify"; got "${value}".`,
  );
}

/**
 * `DATABASE_URL`: unset -> the SQLite file sample-app/data/sample.sqlite; `sqlite::memory:` ->
 * in-memory SQLite (gone when the process ends); `postgres://user:pass@host:port/db` -> PostgreSQL;
 * `mysql://` or `mariadb://user:pass@host:port/db` -> MySQL/MariaDB (TypeORM's mysql2 driver).
 */
export function parseDatabaseUrl(url: string | undefined): SampleDatabase {
  if (!url) return { type: 'sqlite-file', file: DEFAULT_SQLITE_FILE };
  if (url === 'sqlite::memory:') return { type: 'sqlite-memory' };
  if (/^postgres(ql)?:\/\//.test(url)) return { type: 'postgres', url };
  if (/^(mysql|mariadb):\/\//.test(url))
    return { type: 'mariadb', url: url.replace(/^mariadb:/, 'mysql:') };
  throw new SampleConfigError(
    'DATABASE_URL must be unset (SQLite file), "sqlite::memory:", "postgres://user:pass@host:port/db" ' +
      'or "mysql://user:pass@host:port/db"; ' +
      `got "${url.replace(/\/\/[^@/]*@/, '//***@')}".`,
  );
}

/** Injection token of the SampleConfig (provided globally by AppModule.forRoot). */
export const SAMPLE_CONFIG = 'SAMPLE:CONFIG';
