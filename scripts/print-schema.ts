// Prints the SQL TypeORM would run to create OAUTH_ENTITIES on SQLite, PostgreSQL and
// MySQL/MariaDB, used to write src/storage/migrations. Usage:
//   PRINT_SCHEMA_POSTGRES_URL=postgres://... PRINT_SCHEMA_MARIADB_URL=mysql://user:pass@host:port/empty_db \
//     node -r @swc-node/register scripts/print-schema.ts
// For MySQL/MariaDB, CREATE TABLE gets a utf8mb4_bin table default (see the migration): TypeORM
// has no table-level collation option, and hashes and ids must compare case-sensitively.
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { OAUTH_ENTITIES } from '../src/storage/entities';

const MYSQL_TABLE_OPTIONS = ' DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin';

(async () => {
  for (const options of [
    { type: 'better-sqlite3', database: ':memory:' },
    { type: 'postgres', url: process.env.PRINT_SCHEMA_POSTGRES_URL! },
    { type: 'mariadb', url: process.env.PRINT_SCHEMA_MARIADB_URL! },
  ] as const) {
    const ds = await new DataSource({ ...options, entities: OAUTH_ENTITIES } as any).initialize();
    const sql = await ds.driver.createSchemaBuilder().log();
    const tableOptions = (query: string) =>
      options.type === 'mariadb' && query.startsWith('CREATE TABLE')
        ? query.replace(/ ENGINE=InnoDB$/, ` ENGINE=InnoDB${MYSQL_TABLE_OPTIONS}`)
        : query;
    console.log('=== ' + options.type);
    for (const q of sql.upQueries) console.log(JSON.stringify(tableOptions(q.query)) + ',');
    console.log('--- down');
    for (const q of sql.downQueries.reverse()) console.log(JSON.stringify(q.query) + ',');
    await ds.destroy();
  }
})();
