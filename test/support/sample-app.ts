// Starting the sample app in-process for tests, on a free port and a fresh database.
import type { INestApplication } from '@nestjs/common';
import { startSampleApp, type SampleAppOptions } from '../../sample-app/bootstrap';
import type { TestDatabaseKind } from './databases';
import { createTestMariadbDatabase, testMariadbUrl } from './mariadb';
import { createTestDatabase } from './postgres';
import { freePort, TestApp } from './test-app';

/**
 * Starts the sample with `env` (DATABASE_URL defaults to in-memory SQLite). The issuer is fixed
 * before listening, so the port is reserved first. Silent unless `options.logger` says otherwise.
 */
export async function startSample(
  env: Record<string, string> = {},
  options: SampleAppOptions = {},
): Promise<TestApp> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const { app } = await startSampleApp(
    {
      PORT: String(port),
      HOST: '127.0.0.1',
      OAUTH_ISSUER: url,
      DATABASE_URL: 'sqlite::memory:',
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
