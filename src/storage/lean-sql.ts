import { DataSource, EntityManager, EntityTarget, ObjectLiteral, QueryFailedError } from 'typeorm';
import { LeanTable } from './lean-table';

/**
 * The hot paths' database access (client lookup, token insert and lookup, code exchange): plain
 * parameterized SQL on prepared statements, bypassing TypeORM's query builders, which cost
 * several times the query itself. Table and column names come from the entity metadata (so
 * `entityPrefix`, schemas and naming strategies are honoured) and values go through the
 * driver's own conversions (simple-json, booleans, transformers), so rows read and written here
 * are exactly what TypeORM would read and write.
 *
 * Only for better-sqlite3 and postgres; `LeanSql.for()` returns undefined for other drivers,
 * whose callers keep using TypeORM. Errors are rethrown as TypeORM's QueryFailedError, so
 * unique-violation handling works the same on both paths. Statements are not logged by
 * TypeORM's logger.
 */
export class LeanSql {
  private static readonly instances = new WeakMap<DataSource, LeanSql | null>();

  /** The lean SQL runner of a DataSource, or undefined when its driver is not supported. */
  static for(dataSource: DataSource): LeanSql | undefined {
    let lean = LeanSql.instances.get(dataSource);
    if (lean === undefined) {
      const type = dataSource.options.type;
      lean =
        type === 'better-sqlite3' || type === 'postgres' ? new LeanSql(dataSource, type) : null;
      LeanSql.instances.set(dataSource, lean);
    }
    return lean ?? undefined;
  }

  private readonly sqliteStatements = new Map<string, SqliteStatement>();
  private readonly pgNames = new Map<string, string>();
  private readonly tables = new Map<EntityTarget<ObjectLiteral>, LeanTable<ObjectLiteral>>();

  private constructor(
    private readonly dataSource: DataSource,
    readonly type: 'better-sqlite3' | 'postgres',
  ) {}

  /** Table helper for an entity: names and conversions resolved once. */
  table<T extends ObjectLiteral>(entity: EntityTarget<T>): LeanTable<T> {
    let table = this.tables.get(entity);
    if (!table) {
      table = new LeanTable<ObjectLiteral>(
        this,
        this.dataSource,
        this.dataSource.getMetadata(entity),
      );
      this.tables.set(entity, table);
    }
    return table as unknown as LeanTable<T>;
  }

  /** Whether concurrent single-row work outside transactions is coalesced (PostgreSQL). */
  get batches(): boolean {
    return this.type === 'postgres';
  }

  /** `?` placeholders are rewritten to `$n` for PostgreSQL. */
  placeholder(index: number): string {
    return this.type === 'postgres' ? `$${index + 1}` : '?';
  }

  escape(name: string): string {
    return this.dataSource.driver.escape(name);
  }

  /** Runs a SELECT for at most one row; pass the transaction's manager to read inside it. */
  async selectOne(
    sql: string,
    params: unknown[],
    manager?: EntityManager,
  ): Promise<Record<string, unknown> | undefined> {
    if (this.type === 'better-sqlite3') return this.sqliteSelectOne(sql, params);
    return (await this.select(sql, params, manager))[0];
  }

  /** better-sqlite3 only: the same, synchronously (the driver is synchronous). */
  sqliteSelectOne(sql: string, params: unknown[]): Record<string, unknown> | undefined {
    try {
      return this.sqliteStatement(sql).get(...params) as Record<string, unknown> | undefined;
    } catch (error) {
      throw new QueryFailedError(sql, params, error as Error);
    }
  }

  /** Runs a SELECT; pass the transaction's manager to read inside it. */
  async select(
    sql: string,
    params: unknown[],
    manager?: EntityManager,
  ): Promise<Record<string, unknown>[]> {
    try {
      if (this.type === 'better-sqlite3')
        return this.sqliteStatement(sql).all(...params) as Record<string, unknown>[];
      return (await this.pgQuery(sql, params, manager)).rows;
    } catch (error) {
      throw new QueryFailedError(sql, params, error as Error);
    }
  }

  /** Runs an INSERT, UPDATE or DELETE; returns the number of rows it changed. */
  async execute(sql: string, params: unknown[], manager?: EntityManager): Promise<number> {
    try {
      if (this.type === 'better-sqlite3') return this.sqliteStatement(sql).run(...params).changes;
      return (await this.pgQuery(sql, params, manager)).rowCount ?? 0;
    } catch (error) {
      throw new QueryFailedError(sql, params, error as Error);
    }
  }

  private sqliteStatement(sql: string) {
    let statement = this.sqliteStatements.get(sql);
    if (!statement) {
      // better-sqlite3 has a single connection: statements run inside whatever transaction
      // TypeORM has open on it, exactly like TypeORM's own queries on that driver.
      const connection = (
        this.dataSource.driver as unknown as {
          databaseConnection: { prepare(sql: string): SqliteStatement };
        }
      ).databaseConnection;
      statement = connection.prepare(sql);
      this.sqliteStatements.set(sql, statement);
    }
    return statement;
  }

  private async pgQuery(
    sql: string,
    params: unknown[],
    manager?: EntityManager,
  ): Promise<{ rows: Record<string, unknown>[]; rowCount: number | null }> {
    let name = this.pgNames.get(sql);
    if (!name) {
      name = `oauth_lean_${this.pgNames.size + 1}`;
      this.pgNames.set(sql, name);
    }
    const query = { name, text: sql, values: params };
    type PgQueryable = {
      query(query: object): Promise<{ rows: Record<string, unknown>[]; rowCount: number | null }>;
    };
    const runner = manager?.queryRunner;
    if (runner && !runner.isReleased) {
      // Inside a transaction: its own connection (named statements are per connection).
      const connection = ((runner as unknown as { databaseConnection?: PgQueryable })
        .databaseConnection ?? (await runner.connect())) as PgQueryable;
      return connection.query(query);
    }
    return (this.dataSource.driver as unknown as { master: PgQueryable }).master.query(query);
  }
}

interface SqliteStatement {
  all(...params: unknown[]): unknown[];
  get(...params: unknown[]): unknown;
  run(...params: unknown[]): { changes: number };
}
