// Jest globalTeardown: stop the cluster started by global-setup.ts (a no-op when
// TEST_POSTGRES_URL pointed at an existing server).
import type { ThrowawayPostgres } from './postgres';

declare global {
  var __OAUTH_TEST_POSTGRES__: ThrowawayPostgres | undefined;
}

export default async function globalTeardown(): Promise<void> {
  const pg = globalThis.__OAUTH_TEST_POSTGRES__;
  globalThis.__OAUTH_TEST_POSTGRES__ = undefined;
  if (pg) await pg.stop();
}
