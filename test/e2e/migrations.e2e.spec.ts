import { DataSource, DataSourceOptions } from 'typeorm';
import { OAUTH_DATA_SOURCE, OAUTH_ENTITIES, OAUTH_MIGRATIONS } from '../../src';
import { OAuthClientAssertion } from '../../src/storage/entities/oauth-client-assertion.entity';
import { isUniqueViolation } from '../../src/storage/unique-violation';
import { openTestDatabase, OpenTestDatabase, TEST_DATABASE_KINDS } from '../support/databases';
import { describeOn, TEST_TARGETS } from '../support/targets';
import { startTestApp, TestApp } from '../support/test-app';

/** Every migration the package ships, in order. */
const MIGRATION_NAMES = OAUTH_MIGRATIONS.map((migration) => new migration().name);

/** The tables of OAUTH_ENTITIES, read from TypeORM's metadata. */
const oauthTables = (dataSource: DataSource): string[] =>
  dataSource.entityMetadatas.map((metadata) => metadata.tableName).sort();

async function tableNames(dataSource: DataSource): Promise<string[]> {
  const sql = {
    postgres: `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema()`,
    mariadb: `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE()`,
  }[dataSource.options.type as string];
  const rows: { name: string }[] = await dataSource.query(
    sql ?? `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`,
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
    expect(applied.map((migration) => migration.name)).toEqual(MIGRATION_NAMES);
    expect(await tableNames(dataSource)).toEqual([...oauthTables(dataSource), 'migrations'].sort());
    // Running them again does nothing.
    expect(await dataSource.runMigrations()).toEqual([]);
  });

  it('produce exactly the schema of OAUTH_ENTITIES: the schema builder has nothing left to change', async () => {
    await dataSource.runMigrations();
    const sql = await dataSource.driver.createSchemaBuilder().log();
    expect(sql.upQueries.map((query) => query.query)).toEqual([]);
  });

  it('compares ids and hashes case-sensitively: values differing only in case neither collide nor match', async () => {
    await dataSource.runMigrations();
    const repository = dataSource.getRepository(OAuthClientAssertion);
    const lower = 'abcdefghijklmnopqrstuvwxyz0123456789-_abcdefghijklmnopqrstuvwxyz';
    const upper = lower.toUpperCase();
    await repository.insert({ id: lower, expiresAt: 1 });
    // A case-insensitive collation (MariaDB's default) would call this a duplicate key.
    await repository.insert({ id: upper, expiresAt: 2 });
    // The same value again is a unique violation, recognised as such on every driver.
    const duplicate = await repository.insert({ id: upper, expiresAt: 3 }).catch((error) => error);
    expect(isUniqueViolation(duplicate)).toBe(true);
    expect(await repository.findOneBy({ id: upper })).toEqual({ id: upper, expiresAt: 2 });
    expect(
      await repository.findOneBy({
        id: 'Abcdefghijklmnopqrstuvwxyz0123456789-_abcdefghijklmnopqrstuvwxyz',
      }),
    ).toBeNull();
    if (kind === 'mariadb') {
      // The schema builder ignores collations, so check every string column of every table.
      const columns: { table: string; column: string; collation: string }[] =
        await dataSource.query(
          `SELECT table_name AS \`table\`, column_name AS \`column\`, collation_name AS collation
           FROM information_schema.columns
           WHERE table_schema = DATABASE() AND table_name LIKE 'oauth\\_%' AND collation_name IS NOT NULL`,
        );
      expect(columns.length).toBeGreaterThan(40);
      expect(columns.filter((column) => column.collation !== 'utf8mb4_bin')).toEqual([]);
    }
  });

  it('run again through another migrations table, find their schema in place and only record themselves', async () => {
    // The app's DataSource records them in its table, one the module builds (the CLI given
    // connection options) in oauth_migrations: whichever runs second must not fail.
    await dataSource.runMigrations();
    dataSource.setOptions({ migrationsTableName: 'oauth_migrations' });
    const again = await dataSource.runMigrations();
    expect(again.map((migration) => migration.name)).toEqual(MIGRATION_NAMES);
    expect(await tableNames(dataSource)).toEqual(
      [...oauthTables(dataSource), 'migrations', 'oauth_migrations'].sort(),
    );
    expect(await dataSource.runMigrations()).toEqual([]);
    const sql = await dataSource.driver.createSchemaBuilder().log();
    expect(sql.upQueries.map((query) => query.query)).toEqual([]);
  });

  it('refuse a schema an earlier run left half-made, naming what is missing', async () => {
    await dataSource.runMigrations();
    const runner = dataSource.createQueryRunner();
    await runner.dropTable('oauth_tokens');
    await runner.release();
    dataSource.setOptions({ migrationsTableName: 'oauth_migrations' });
    await expect(dataSource.runMigrations()).rejects.toThrow(
      /OAuthInitialSchema1764100000000: the database has .*oauth_clients.* but not oauth_tokens; an earlier run stopped part-way/,
    );
  });

  it('undoing every migration drops every oauth_ table', async () => {
    await dataSource.runMigrations();
    for (const _ of OAUTH_MIGRATIONS) await dataSource.undoLastMigration();
    expect(await tableNames(dataSource)).toEqual(['migrations']);
    expect(await dataSource.query('SELECT * FROM migrations')).toEqual([]);
    // And the schema can be built again after the rollback.
    await dataSource.runMigrations();
    expect(await tableNames(dataSource)).toEqual([...oauthTables(dataSource), 'migrations'].sort());
  });
});

describe.each(TEST_TARGETS)('a DataSource the module builds from options (%s)', (target) => {
  let server: TestApp;
  beforeAll(async () => {
    server = await startTestApp(target);
  });
  afterAll(() => server.close());

  it('records its migrations in oauth_migrations, not in the host-wide "migrations" table', async () => {
    const dataSource = server.app.get<DataSource>(OAUTH_DATA_SOURCE);
    expect(await tableNames(dataSource)).toEqual(
      [...oauthTables(dataSource), 'oauth_migrations'].sort(),
    );
    const rows: { name: string }[] = await dataSource.query('SELECT name FROM oauth_migrations');
    expect(rows.map((row) => row.name)).toEqual(MIGRATION_NAMES);
  });

  it('leaves nothing for the schema builder to change', async () => {
    const dataSource = server.app.get<DataSource>(OAUTH_DATA_SOURCE);
    const sql = await dataSource.driver.createSchemaBuilder().log();
    expect(sql.upQueries.map((query) => query.query)).toEqual([]);
  });
});

// SQLite needs no lock: one file, one writer at a time.
describeOn('postgres', 'mariadb')(
  'several instances starting together on a fresh %s database',
  (target) => {
    let database: OpenTestDatabase;
    const apps: TestApp[] = [];
    beforeAll(async () => {
      database = await openTestDatabase(target);
    });
    afterAll(async () => {
      for (const app of apps) await app.close();
      await database.dispose();
    });

    it('migrate one at a time: every instance starts and the schema is created once', async () => {
      const starts = await Promise.allSettled(
        [1, 2, 3].map(() => startTestApp(target, { dataSource: database.options })),
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
  },
);
