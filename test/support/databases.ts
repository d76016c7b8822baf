// One fresh, empty database per call, for every database kind the e2e suites run against.
// Callers add their own entities (and synchronize/migrations) to `options`.
import type { DataSourceOptions } from 'typeorm';
import { createTestMariadbDatabase, testMariadbUrl } from './mariadb';
import { createTestDatabase } from './postgres';

// MariaDB stands for the drivers without the hand-written SQL fast path (src/storage/lean-sql.ts):
// there the module runs on TypeORM's portable code path.
export const TEST_DATABASE_KINDS = ['sqlite', 'postgres', 'mariadb'] as const;
export type TestDatabaseKind = (typeof TEST_DATABASE_KINDS)[number];

export interface OpenTestDatabase {
  options: DataSourceOptions;
  dispose(): Promise<void>;
}

/** A fresh database of this kind, or of a test target's kind (`{ database }`, see targets.ts). */
export async function openTestDatabase(
  of: TestDatabaseKind | { database: TestDatabaseKind },
): Promise<OpenTestDatabase> {
  const kind = typeof of === 'string' ? of : of.database;
  switch (kind) {
    case 'sqlite':
      // Each better-sqlite3 DataSource holds a single connection, so ':memory:' is private and vanishes with it.
      return {
        options: { type: 'better-sqlite3', database: ':memory:' },
        dispose: async () => undefined,
      };
    case 'postgres': {
      const serverUrl = process.env.TEST_POSTGRES_URL;
      if (!serverUrl) {
        throw new Error(
          'TEST_POSTGRES_URL is not set: run the tests through jest (test/support/global-setup.ts starts PostgreSQL) ' +
            'or point TEST_POSTGRES_URL at a server.',
        );
      }
      const db = await createTestDatabase(serverUrl);
      return { options: { type: 'postgres', url: db.url }, dispose: () => db.drop() };
    }
    case 'mariadb': {
      // TypeORM's `mariadb` type runs on the mysql2 driver.
      const db = await createTestMariadbDatabase(testMariadbUrl());
      return { options: { type: 'mariadb', url: db.url }, dispose: () => db.drop() };
    }
    default: {
      const unknown: never = kind;
      throw new Error(`unknown test database kind: ${String(unknown)}`);
    }
  }
}
