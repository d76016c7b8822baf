// Starting the sample app in-process for tests, on a free port and a fresh database.
import type { INestApplication } from '@nestjs/common';
import { startSampleApp, type SampleAppOptions } from '../../sample-app/bootstrap';
import { TEST_DATABASE_KINDS, TestDatabaseKind } from './databases';
import { HTTP_ADAPTER_NAMES, HttpAdapterName } from './http-adapter';
import { createTestMariadbDatabase, testMariadbUrl } from './mariadb';
import { createTestDatabase } from './postgres';
import { freePort, TestApp } from './test-app';

/** Where a sample spec runs: an HTTP adapter and a database. */
export interface SampleTarget {
  adapter: HttpAdapterName;
  database: TestDatabaseKind;
}

/**
 * Express on every database, Fastify on SQLite: the adapter does not touch the storage code, so
 * Fastify on PostgreSQL and MariaDB would only add minutes to CI's 30.
 */
export const SAMPLE_TARGETS: readonly SampleTarget[] = [
  ...TEST_DATABASE_KINDS.map((database) => ({ adapter: 'express' as const, database })),
  { adapter: 'fastify', database: 'sqlite' },
];

/** The adapters of the specs that run on SQLite only. */
export const SAMPLE_ADAPTERS: readonly HttpAdapterName[] = HTTP_ADAPTER_NAMES;

export interface StartSampleOptions extends SampleAppOptions {
  /** The sample's HTTP_ADAPTER. Default: express. */
  adapter?: HttpAdapterName;
}

/**
 * Starts the sample with `env` (DATABASE_URL defaults to in-memory SQLite) on `options.adapter`.
 * The issuer is fixed before listening, so the port is reserved first. Silent unless
 * `options.logger` says otherwise.
 */
export async function startSample(
  env: Record<string, string> = {},
  { adapter = 'express', ...options }: StartSampleOptions = {},
): Promise<TestApp> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const { app } = await startSampleApp(
    {
      PORT: String(port),
      HOST: '127.0.0.1',
      OAUTH_ISSUER: url,
      DATABASE_URL: 'sqlite::memory:',
      HTTP_ADAPTER: adapter,
      ...env,
    },
    { logger: false, ...options },
  );
  return { app: app as INestApplication, url, close: () => app.close() };
}

/** A fresh database URL in the sample's DATABASE_URL format. */
export async function freshSampleDatabase(
  kind: TestDatabaseKind,
): Promise<{ url: string; drop(): Promise<void> }> {
  if (kind === 'sqlite') return { url: 'sqlite::memory:', drop: async () => undefined };
  if (kind === 'mariadb') return createTestMariadbDatabase(testMariadbUrl());
  const server = process.env.TEST_POSTGRES_URL;
  if (!server) {
    throw new Error(
      'TEST_POSTGRES_URL is not set: run through jest (global-setup starts PostgreSQL).',
    );
  }
  return createTestDatabase(server);
}
