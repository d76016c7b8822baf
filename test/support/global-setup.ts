// Jest globalSetup: start one throwaway PostgreSQL cluster and one throwaway MariaDB server for
// the whole run, in parallel (or reuse TEST_POSTGRES_URL / TEST_MARIADB_URL). Workers inherit
// process.env, so they find the servers there. A failure here fails the run: the PostgreSQL and
// MariaDB e2e suites must never be skipped silently.
import { startThrowawayMariadb, type ThrowawayMariadb } from './mariadb';
import { startThrowawayPostgres, type ThrowawayPostgres } from './postgres';

declare global {
  var __OAUTH_TEST_POSTGRES__: ThrowawayPostgres | undefined;
  var __OAUTH_TEST_MARIADB__: ThrowawayMariadb | undefined;
}

export default async function globalSetup(): Promise<void> {
  const started = Date.now();
  const timed = async <T>(start: () => Promise<T>): Promise<[T, number]> => {
    const result = await start();
    return [result, Date.now() - started];
  };
  const [pg, mariadb] = await Promise.allSettled([
    timed(startThrowawayPostgres),
    timed(startThrowawayMariadb),
  ]);
  if (pg.status === 'rejected' || mariadb.status === 'rejected') {
    // Stop whichever did start before failing the run.
    if (pg.status === 'fulfilled') await pg.value[0].stop();
    if (mariadb.status === 'fulfilled') await mariadb.value[0].stop();
    const error = pg.status === 'rejected' ? pg.reason : (mariadb as PromiseRejectedResult).reason;
    const which = pg.status === 'rejected' ? 'PostgreSQL' : 'MariaDB';
    console.error(`\n[global-setup] could not start the test ${which} server:`, error);
    throw error;
  }
  globalThis.__OAUTH_TEST_POSTGRES__ = pg.value[0];
  globalThis.__OAUTH_TEST_MARIADB__ = mariadb.value[0];
  process.env.TEST_POSTGRES_URL = pg.value[0].url;
  process.env.TEST_MARIADB_URL = mariadb.value[0].url;
  if (process.env.DEBUG_TEST_POSTGRES || process.env.DEBUG_TEST_DATABASES) {
    console.log(
      `\n[global-setup] PostgreSQL at ${pg.value[0].url} in ${pg.value[1]}ms, ` +
        `MariaDB at ${mariadb.value[0].url} in ${mariadb.value[1]}ms`,
    );
  }
}
