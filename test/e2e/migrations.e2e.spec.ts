import { DataSource, DataSourceOptions } from 'typeorm';
import { OAUTH_DATA_SOURCE, OAUTH_ENTITIES, OAUTH_MIGRATIONS } from '../../src';
import { openTestDatabase, OpenTestDatabase, TEST_DATABASE_KINDS } from '../support/databases';
import { startTestApp, TestApp } from '../support/test-app';

/** The tables of OAUTH_ENTITIES, read from TypeORM's metadata. */
const oauthTables = (dataSource: DataSource): string[] =>
  dataSource.entityMetadatas.map((metadata) => metadata.tableName).sort();

async function tableNames(dataSource: DataSource): Promise<string[]> {
  const rows: { name: string }[] =
    dataSource.options.type === 'postgres'
      ? await dataSource.query(
          `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema()`,
        )
      : await dataSource.query(
          `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`,
        );
  return rows.map((row) => row.name).sort();
}

describe.each(TEST_DATABASE_KINDS)('OAUTH_MIGRATIONS (%s)', (kind) => {
  let database: OpenTestDatabase;
  let dataSource: DataSource;

  beforeEach(async () => {
    database = await openTestDatabase(kind);
    dataSource = new DataSource({
      ...database.options,
      entities: OAUTH_ENTITIES,
      migrations: OAUTH_MIGRATIONS,
    } as DataSourceOptions);
    await dataSource.initialize();
  });

  afterEach(async () => {
    if (dataSource.isInitialized) await dataSource.destroy();
    await database.dispose();
  });

  it('creates every oauth_ table on an empty database', async () => {
    expect(await tableNames(dataSource)).toEqual([]);
    expect(oauthTables(dataSource)).toHaveLength(OAUTH_ENTITIES.length);
    expect(oauthTables(dataSource).every((table) => table.startsWith('oauth_'))).toBe(true);
    const applied = await dataSource.runMigrations();
    expect(applied.map((migration) => migration.name)).toEqual(['OAuthInitialSchema1764100000000']);
    expect(await tableNames(dataSource)).toEqual([...oauthTables(dataSource), 'migrations'].sort());
    // Running them again does nothing.
    expect(await dataSource.runMigrations()).toEqual([]);
  });

  it('produce exactly the schema of OAUTH_ENTITIES: the schema builder has nothing left to change', async () => {
    await dataSource.runMigrations();
    const sql = await dataSource.driver.createSchemaBuilder().log();
    expect(sql.upQueries.map((query) => query.query)).toEqual([]);
  });

  it('undoLastMigration drops every oauth_ table', async () => {
    await dataSource.runMigrations();
    await dataSource.undoLastMigration();
    expect(await tableNames(dataSource)).toEqual(['migrations']);
    expect(await dataSource.query('SELECT * FROM migrations')).toEqual([]);
    // And the schema can be built again after the rollback.
    await dataSource.runMigrations();
    expect(await tableNames(dataSource)).toEqual([...oauthTables(dataSource), 'migrations'].sort());
  });
});

describe.each(TEST_DATABASE_KINDS)('a DataSource the module builds from options (%s)', (kind) => {
  let server: TestApp;
  beforeAll(async () => {
    server = await startTestApp(kind);
  });
  afterAll(() => server.close());

  it('records its migrations in oauth_migrations, not in the host-wide "migrations" table', async () => {
    const dataSource = server.app.get<DataSource>(OAUTH_DATA_SOURCE);
    expect(await tableNames(dataSource)).toEqual(
      [...oauthTables(dataSource), 'oauth_migrations'].sort(),
    );
    const rows: { name: string }[] = await dataSource.query('SELECT name FROM oauth_migrations');
    expect(rows.map((row) => row.name)).toEqual(['OAuthInitialSchema1764100000000']);
  });

  it('leaves nothing for the schema builder to change', async () => {
    const dataSource = server.app.get<DataSource>(OAUTH_DATA_SOURCE);
    const sql = await dataSource.driver.createSchemaBuilder().log();
    expect(sql.upQueries.map((query) => query.query)).toEqual([]);
  });
});

describe('several instances starting together on a fresh PostgreSQL database', () => {
  let database: OpenTestDatabase;
  const apps: TestApp[] = [];
  beforeAll(async () => {
    database = await openTestDatabase('postgres');
  });
  afterAll(async () => {
    for (const app of apps) await app.close();
    await database.dispose();
  });

  it('migrate one at a time: every instance starts and the schema is created once', async () => {
    const starts = await Promise.allSettled(
      [1, 2, 3].map(() => startTestApp('sqlite', { dataSource: database.options })),
    );
    for (const start of starts) if (start.status === 'fulfilled') apps.push(start.value);
    expect(starts.map((start) => start.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
    const check = new DataSource(database.options);
    await check.initialize();
    try {
      const runs = await check.query('SELECT name FROM oauth_migrations');
      expect(runs).toHaveLength(OAUTH_MIGRATIONS.length);
    } finally {
      await check.destroy();
    }
  });
});
