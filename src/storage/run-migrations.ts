import type { DataSource } from 'typeorm';
import { DatabaseLockName, withDatabaseLock } from './database-lock';

/** The lock that serializes migrations (its MySQL name was `nest-oauth-server:` + hash before). */
const MIGRATION_LOCK: DatabaseLockName = { postgres: 7_462_829_101, mysql: 'nest-oauth-server:' };

/**
 * Runs the pending migrations of `dataSource` and returns the names of those it ran. On
 * PostgreSQL and MySQL/MariaDB several app instances (or an app and the CLI) may start together
 * on a fresh database; a lock held on a dedicated connection makes them migrate one after
 * another (the later ones then find nothing to do) instead of racing on CREATE TABLE.
 * `transaction` unset: the DataSource's own `migrationsTransactionMode` (default "all").
 */
export async function runMigrationsOneAtATime(
  dataSource: DataSource,
  transaction?: 'all' | 'each' | 'none',
): Promise<string[]> {
  const ran = await withDatabaseLock(dataSource, MIGRATION_LOCK, () =>
    dataSource.runMigrations(transaction ? { transaction } : undefined),
  );
  return ran.map((migration) => migration.name);
}

/** The table a DataSource records its migrations in (TypeORM's default: "migrations"). */
export function migrationsTableOf(dataSource: DataSource): string {
  return dataSource.options.migrationsTableName ?? 'migrations';
}
