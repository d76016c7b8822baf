import { DataSource, EntityManager, EntityTarget, ObjectLiteral, QueryFailedError } from 'typeorm';
import { PostgresConnection } from './postgres-connection';
import { SqliteConnection } from './sqlite-connection';
import { SqlTable } from './sql-table';

export type SqlDialect = 'postgres' | 'sqlite';

/**
 * The fast stores' database access: plain parameterized SQL on prepared statements, bypassing
 * TypeORM's query builders, which cost several times the query itself on the hot paths. Table
 * and column names come from the entity metadata (so `entityPrefix`, schemas and naming
 * strategies are honoured) and values go through the driver's own conversions (simple-json,
 * booleans, transformers), so rows read and written here are exactly what TypeORM would read
 * and write. Errors are rethrown as TypeORM's QueryFailedError, so unique-violation handling is
 * the same as on the portable stores. Statements are not logged by TypeORM's logger.
 *
 * Only for better-sqlite3 and postgres (`SqlRunner.for()` returns undefined otherwise): the
 * driver access of each lives in its own file.
 */
export class SqlRunner {
  private static readonly runners = new WeakMap<DataSource, SqlRunner>();

  /**
   * The runner of a DataSource (one per DataSource: PostgreSQL statement names are per
   * connection, so every store must share one naming), or undefined when its driver has no
   * fast path.
   */
  static for(dataSource: DataSource): SqlRunner | undefined {
    const type = dataSource.options.type;
    const dialect = type === 'postgres' ? 'postgres' : type === 'better-sqlite3' ? 'sqlite' : null;
    if (!dialect) return undefined;
    let runner = SqlRunner.runners.get(dataSource);
    if (!runner) {
      runner = new SqlRunner(dataSource, dialect);
      SqlRunner.runners.set(dataSource, runner);
    }
    return runner;
  }

  private readonly postgres?: PostgresConnection;
  private readonly sqlite?: SqliteConnection;
  private readonly tables = new Map<EntityTarget<ObjectLiteral>, SqlTable<ObjectLiteral>>();

  private constructor(
    private readonly dataSource: DataSource,
    readonly dialect: SqlDialect,
  ) {
    if (dialect === 'postgres') this.postgres = new PostgresConnection(dataSource);
    else this.sqlite = new SqliteConnection(dataSource);
  }

  /** Table helper for an entity: names and conversions resolved once. */
  table<T extends ObjectLiteral>(entity: EntityTarget<T>): SqlTable<T> {
    let table = this.tables.get(entity);
    if (!table) {
      table = new SqlTable<ObjectLiteral>(
        this,
        this.dataSource,
        this.dataSource.getMetadata(entity),
      );
      this.tables.set(entity, table);
    }
    return table as SqlTable<ObjectLiteral> as SqlTable<T>;
  }

  /** Whether concurrent single-row work outside transactions is coalesced (PostgreSQL). */
  get batches(): boolean {
    return this.dialect === 'postgres';
  }

  /** `?` placeholders are `$n` on PostgreSQL. */
  placeholder(index: number): string {
    return this.dialect === 'postgres' ? `$${index + 1}` : '?';
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
    if (this.sqlite) return this.sqliteSelectOne(sql, params);
    return (await this.select(sql, params, manager))[0];
  }

  /** SQLite only: the same, synchronously (better-sqlite3 is synchronous). */
  sqliteSelectOne(sql: string, params: unknown[]): Record<string, unknown> | undefined {
    try {
      return this.sqlite!.statement(sql).get(...params) as Record<string, unknown> | undefined;
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
      if (this.sqlite)
        return this.sqlite.statement(sql).all(...params) as Record<string, unknown>[];
      return (await this.postgres!.query(sql, params, manager)).rows;
    } catch (error) {
      throw new QueryFailedError(sql, params, error as Error);
    }
  }

  /** Runs an INSERT, UPDATE or DELETE; returns the number of rows it changed. */
  async execute(sql: string, params: unknown[], manager?: EntityManager): Promise<number> {
    try {
      if (this.sqlite) return this.sqlite.statement(sql).run(...params).changes;
      return (await this.postgres!.query(sql, params, manager)).rowCount ?? 0;
    } catch (error) {
      throw new QueryFailedError(sql, params, error as Error);
    }
  }
}
