import { DataSource, EntityManager } from 'typeorm';

const SQLITE_DRIVERS = ['sqlite', 'better-sqlite3', 'sqljs', 'capacitor', 'cordova', 'expo'];
const sqliteQueues = new WeakMap<DataSource, Promise<unknown>>();

/**
 * Runs `work` in a transaction. SQLite drivers share one connection, on which TypeORM cannot
 * run two transactions at once, so there transactions wait for each other in a queue.
 */
export function inTransaction<T>(
  dataSource: DataSource,
  work: (manager: EntityManager) => Promise<T>,
): Promise<T> {
  if (!SQLITE_DRIVERS.includes(dataSource.options.type)) return dataSource.transaction(work);
  const previous = sqliteQueues.get(dataSource) ?? Promise.resolve();
  const run = previous.catch(() => undefined).then(() => dataSource.transaction(work));
  sqliteQueues.set(dataSource, run);
  return run;
}
