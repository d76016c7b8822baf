import type { DataSource, DataSourceOptions, EntityManager, QueryRunner } from 'typeorm';

/** A named lock, as each database spells it. */
export interface DatabaseLockName {
  /** Key of a PostgreSQL advisory lock (an arbitrary constant). */
  postgres: number;
  /**
   * Prefix of a MySQL/MariaDB user lock. User locks are server-wide, so the name adds the
   * database's (hashed: names are limited to 64 characters, so keep the prefix under 24).
   */
  mysql: string;
}

/** Seconds one GET_LOCK waits before asking again (MariaDB takes no "forever"). */
const MYSQL_LOCK_WAIT_SECONDS = 10;

/**
 * Runs `work` while holding the lock `name` on this database, so instances sharing it do the
 * same work one after another. The lock is held by a connection of its own, which `work` gets as
 * an EntityManager; what `work` writes there is committed before the lock is released. Drivers
 * without such a lock (SQLite, where a DataSource is one connection, and others) run `work`
 * unguarded.
 */
export async function withDatabaseLock<T>(
  dataSource: DataSource,
  name: DatabaseLockName,
  work: (manager: EntityManager) => Promise<T>,
): Promise<T> {
  const lock = lockOf(dataSource.options.type, name);
  if (!lock) return work(dataSource.manager);
  const holder = dataSource.createQueryRunner();
  try {
    await lock.acquire(holder);
    return await work(holder.manager);
  } finally {
    await lock.release(holder).catch(() => undefined);
    await holder.release();
  }
}

interface Lock {
  acquire(holder: QueryRunner): Promise<void>;
  release(holder: QueryRunner): Promise<void>;
}

function lockOf(type: DataSourceOptions['type'], name: DatabaseLockName): Lock | undefined {
  if (type === 'postgres') {
    return {
      acquire: (holder) => holder.query('SELECT pg_advisory_lock($1)', [name.postgres]),
      release: (holder) => holder.query('SELECT pg_advisory_unlock($1)', [name.postgres]),
    };
  }
  if (type === 'mysql' || type === 'mariadb') {
    const lockName = `CONCAT(?, SHA1(COALESCE(DATABASE(), '')))`;
    return {
      acquire: async (holder) => {
        for (;;) {
          const [row] = await holder.query(
            `SELECT GET_LOCK(${lockName}, ${MYSQL_LOCK_WAIT_SECONDS}) AS locked`,
            [name.mysql],
          );
          // 1: taken; 0: still held by another instance, wait again; NULL: an error.
          if (Number(row?.locked) === 1) return;
          if (row?.locked === null || row?.locked === undefined)
            throw new Error(`GET_LOCK failed to take the ${name.mysql} lock`);
        }
      },
      release: (holder) => holder.query(`SELECT RELEASE_LOCK(${lockName})`, [name.mysql]),
    };
  }
  return undefined;
}
