// Jest globalTeardown: stop the servers started by global-setup.ts (no-ops when
// TEST_POSTGRES_URL / TEST_MARIADB_URL pointed at existing servers).
import type { ThrowawayMariadb } from './mariadb';
import type { ThrowawayPostgres } from './postgres';

declare global {
  var __OAUTH_TEST_POSTGRES__: ThrowawayPostgres | undefined;
  var __OAUTH_TEST_MARIADB__: ThrowawayMariadb | undefined;
}

export default async function globalTeardown(): Promise<void> {
  const pg = globalThis.__OAUTH_TEST_POSTGRES__;
  const mariadb = globalThis.__OAUTH_TEST_MARIADB__;
  globalThis.__OAUTH_TEST_POSTGRES__ = undefined;
  globalThis.__OAUTH_TEST_MARIADB__ = undefined;
  await Promise.all([pg?.stop(), mariadb?.stop()]);
}
