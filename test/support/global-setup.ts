// Jest globalSetup: start one throwaway PostgreSQL cluster for the whole run (or reuse
// TEST_POSTGRES_URL). Workers inherit process.env, so they find the server there.
// A failure here fails the run: the PostgreSQL e2e suites must never be skipped silently.
import { startThrowawayPostgres, type ThrowawayPostgres } from './postgres';

declare global {
  var __OAUTH_TEST_POSTGRES__: ThrowawayPostgres | undefined;
}

export default async function globalSetup(): Promise<void> {
  const started = Date.now();
  let pg: ThrowawayPostgres;
  try {
    pg = await startThrowawayPostgres();
  } catch (err) {
    console.error('\n[global-setup] could not start the test PostgreSQL server:', err);
    throw err;
  }
  globalThis.__OAUTH_TEST_POSTGRES__ = pg;
  process.env.TEST_POSTGRES_URL = pg.url;
  if (process.env.DEBUG_TEST_POSTGRES)
    console.log(`\n[global-setup] PostgreSQL at ${pg.url} in ${Date.now() - started}ms`);
}
