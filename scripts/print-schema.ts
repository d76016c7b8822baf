// Prints the SQL TypeORM would run to create OAUTH_ENTITIES on SQLite and PostgreSQL,
// used to write src/storage/migrations. Usage: PRINT_SCHEMA_POSTGRES_URL=postgres://... node -r @swc-node/register scripts/print-schema.ts
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { OAUTH_ENTITIES } from '../src/storage/entities';
(async () => {
  for (const options of [
    { type: 'better-sqlite3', database: ':memory:' },
    { type: 'postgres', url: process.env.PRINT_SCHEMA_POSTGRES_URL! },
  ] as const) {
    const ds = await new DataSource({ ...options, entities: OAUTH_ENTITIES } as any).initialize();
    const sql = await ds.driver.createSchemaBuilder().log();
    console.log('=== ' + options.type);
    for (const q of sql.upQueries) console.log(JSON.stringify(q.query) + ',');
    console.log('--- down');
    for (const q of sql.downQueries.reverse()) console.log(JSON.stringify(q.query) + ',');
    await ds.destroy();
  }
})();
