import { DataSource, EntityManager } from 'typeorm';
import { isDeadlock } from '../deadlock';

const SQLITE_DRIVERS = ['sqlite', 'better-sqlite3', 'sqljs', 'capacitor', 'cordova', 'expo'];
const sqliteQueues = new WeakMap<DataSource, Promise<unknown>>();

/** How often a transaction the database aborted to break a deadlock is run again. */
const DEADLOCK_RETRIES = 3;

/**
 * Runs `work` in a transaction. SQLite drivers share one connection, on which TypeORM cannot
 * run two transactions at once, so there transactions wait for each other in a queue. A
 * transaction aborted to break a deadlock left nothing behind and is run again: `work` decides
 * afresh from what it reads (a spend that lost finds the row spent).
 */
export function inTransaction<T>(
  dataSource: DataSource,
  work: (manager: EntityManager) => Promise<T>,
): Promise<T> {
  if (!SQLITE_DRIVERS.includes(dataSource.options.type)) return retryDeadlocks(dataSource, work);
  const previous = sqliteQueues.get(dataSource) ?? Promise.resolve();
  const run = previous.catch(() => undefined).then(() => dataSource.transaction(work));
  sqliteQueues.set(dataSource, run);
  return run;
}

async function retryDeadlocks<T>(
  dataSource: DataSource,
  work: (manager: EntityManager) => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await dataSource.transaction(work);
    } catch (error) {
      if (!isDeadlock(error) || attempt > DEADLOCK_RETRIES) throw error;
    }
  }
}
