import { DataSource } from 'typeorm';
import { openTestDatabase, TEST_DATABASE_KINDS } from './databases';

describe('test databases', () => {
  it('has a PostgreSQL server from global setup', () => {
    expect(process.env.TEST_POSTGRES_URL).toMatch(/^postgres(ql)?:\/\//);
  });

  it('has a MariaDB server from global setup', () => {
    expect(process.env.TEST_MARIADB_URL).toMatch(/^mysql:\/\//);
  });

  describe.each(TEST_DATABASE_KINDS)('%s', (kind) => {
    it('opens a fresh database that runs SQL', async () => {
      const db = await openTestDatabase(kind);
      const dataSource = new DataSource({ ...db.options });
      try {
        await dataSource.initialize();
        expect(dataSource.options.type).toBe(kind === 'sqlite' ? 'better-sqlite3' : kind);

        const [one] = await dataSource.query('SELECT 1 AS one');
        expect(Number(one.one)).toBe(1);

        // The database is fresh: the table does not exist yet, so CREATE TABLE (without IF NOT EXISTS) succeeds.
        await dataSource.query(
          'CREATE TABLE probe (id INTEGER PRIMARY KEY, label VARCHAR(50) NOT NULL)',
        );
        const [p1, p2] = kind === 'postgres' ? ['$1', '$2'] : ['?', '?'];
        await dataSource.query(`INSERT INTO probe (id, label) VALUES (1, ${p1}), (2, ${p2})`, [
          'alpha',
          'beta',
        ]);
        const rows = await dataSource.query('SELECT id, label FROM probe ORDER BY id');
        expect(
          rows.map((r: { id: number | string; label: string }) => [Number(r.id), r.label]),
        ).toEqual([
          [1, 'alpha'],
          [2, 'beta'],
        ]);
      } finally {
        if (dataSource.isInitialized) await dataSource.destroy();
        await db.dispose();
      }
    });
  });

  it.each([
    {
      kind: 'postgres' as const,
      server: () => ({ type: 'postgres' as const, url: process.env.TEST_POSTGRES_URL }),
      tableIn: `SELECT count(*) AS n FROM information_schema.tables WHERE table_name = 'only_in_a'`,
      databaseNamed: 'SELECT count(*) AS n FROM pg_database WHERE datname = $1',
    },
    {
      kind: 'mariadb' as const,
      server: () => ({ type: 'mariadb' as const, url: process.env.TEST_MARIADB_URL }),
      tableIn: `SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = 'only_in_a'`,
      databaseNamed: 'SELECT count(*) AS n FROM information_schema.schemata WHERE schema_name = ?',
    },
  ])(
    'gives each $kind database its own namespace and drops it on dispose',
    async ({ kind, server, tableIn, databaseNamed }) => {
      const a = await openTestDatabase(kind);
      const b = await openTestDatabase(kind);
      const dsA = new DataSource({ ...a.options });
      const dsB = new DataSource({ ...b.options });
      try {
        await dsA.initialize();
        await dsB.initialize();
        await dsA.query('CREATE TABLE only_in_a (id INTEGER)');
        const [{ n }] = await dsB.query(tableIn);
        expect(Number(n)).toBe(0);
      } finally {
        await dsA.destroy();
        await dsB.destroy();
      }
      const name = new URL((a.options as { url: string }).url).pathname.slice(1);
      await a.dispose();
      await b.dispose();
      const check = new DataSource(server());
      await check.initialize();
      try {
        const [{ n }] = await check.query(databaseNamed, [name]);
        expect(Number(n)).toBe(0);
      } finally {
        await check.destroy();
      }
    },
  );
});
