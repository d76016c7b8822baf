import { DataSource, EntityManager, ObjectLiteral } from 'typeorm';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';
import type { EntityMetadata } from 'typeorm/metadata/EntityMetadata';
import { Batcher } from './batcher';
import type { SqlRunner } from './sql-runner';

/**
 * PostgreSQL batching outside transactions (see Batcher): one batch of a kind runs at a time,
 * and the calls made meanwhile go together in the next (of at most 64 rows). One at a time gave
 * bigger batches and more throughput than two in the bench.
 */
const PG_BATCHING = { maxInFlight: 1, maxBatchSize: 64 };

/** Whether `manager` runs a transaction (its own connection), rather than the pool. */
function inTransaction(manager?: EntityManager): boolean {
  return !!manager?.queryRunner && !manager.queryRunner.isReleased;
}

/** A WHERE clause of equalities / IS NULL, built once per shape. */
interface Condition {
  sql: string;
  /** The columns whose values are parameters, in order (IS NULL ones take none). */
  columns: ColumnMetadata[];
}

/** SQL for one entity's table. */
export class SqlTable<T extends ObjectLiteral> {
  readonly name: string;
  private readonly columns: ColumnMetadata[];
  private readonly selectList: string;
  private readonly byProperty = new Map<string, ColumnMetadata>();

  constructor(
    private readonly sql: SqlRunner,
    private readonly dataSource: DataSource,
    private readonly metadata: EntityMetadata,
  ) {
    this.name = metadata.tablePath
      .split('.')
      .map((part) => sql.escape(part))
      .join('.');
    this.columns = metadata.columns.filter((column) => !column.isVirtual);
    for (const column of this.columns) this.byProperty.set(column.propertyName, column);
    this.selectList = this.columns.map((column) => sql.escape(column.databaseName)).join(', ');
  }

  private column(property: string): ColumnMetadata {
    const column = this.byProperty.get(property);
    if (!column) throw new Error(`${this.metadata.name} has no column ${property}`);
    return column;
  }

  private readonly plans = new Map<
    string,
    { sql: string; condition: Condition; columns: ColumnMetadata[] }
  >();

  /** A short key for the shape of `where`: its properties and which of them are null. */
  private static shape(where: object): string {
    let key = '';
    for (const property in where)
      key +=
        (where as Record<string, unknown>)[property] === null ? `${property}~` : `${property},`;
    return key;
  }

  /** `a = ? AND b IS NULL ...` for equality on `where`'s properties (null means IS NULL). */
  private condition(where: object, offset: number): Condition {
    const parts: string[] = [];
    const columns: ColumnMetadata[] = [];
    for (const [property, value] of Object.entries(where)) {
      const column = this.column(property);
      if (value === null) {
        parts.push(`${this.sql.escape(column.databaseName)} IS NULL`);
      } else {
        parts.push(
          `${this.sql.escape(column.databaseName)} = ${this.sql.placeholder(offset + columns.length)}`,
        );
        columns.push(column);
      }
    }
    return { sql: parts.join(' AND '), columns };
  }

  private conditionParams(condition: Condition, where: object): unknown[] {
    return condition.columns.map((column) =>
      this.toDatabase(column, (where as Record<string, unknown>)[column.propertyName]),
    );
  }

  private toDatabase(column: ColumnMetadata, value: unknown): unknown {
    return this.dataSource.driver.preparePersistentValue(value, column);
  }

  /** A row as TypeORM would hydrate it (only the listed properties when `properties` is given). */
  private hydrate(raw: Record<string, unknown>, columns: ColumnMetadata[]): T {
    const entity = this.metadata.create() as T;
    for (const column of columns) {
      (entity as Record<string, unknown>)[column.propertyName] =
        this.dataSource.driver.prepareHydratedValue(raw[column.databaseName], column);
    }
    return entity;
  }

  /** The first row matching `where` (equality / IS NULL), or null. */
  async findOne(
    where: Partial<Record<keyof T & string, unknown>>,
    manager?: EntityManager,
    properties?: (keyof T & string)[],
  ): Promise<T | null> {
    const key = properties
      ? `${SqlTable.shape(where)}:${properties.join(',')}`
      : SqlTable.shape(where);
    let plan = this.plans.get(key);
    if (!plan) {
      const condition = this.condition(where, 0);
      const columns = properties
        ? properties.map((property) => this.column(property))
        : this.columns;
      plan = {
        sql: `SELECT ${this.selectListOf(columns)} FROM ${this.name} WHERE ${condition.sql} LIMIT 1`,
        condition,
        columns,
      };
      this.plans.set(key, plan);
    }
    const row = await this.sql.selectOne(
      plan.sql,
      this.conditionParams(plan.condition, where),
      manager,
    );
    return row ? this.hydrate(row, plan.columns) : null;
  }

  /**
   * A prepared lookup by one column, for hot paths: SQL and conversions are resolved here, once.
   * On PostgreSQL, lookups by a primary or unique column outside a transaction are batched:
   * concurrent calls share one `= ANY($1)` query.
   */
  finder(
    property: keyof T & string,
    properties?: (keyof T & string)[],
  ): (value: unknown, manager?: EntityManager) => Promise<T | null> {
    const keyColumn = this.column(property);
    const columns = properties ? properties.map((name) => this.column(name)) : this.columns;
    const keyName = this.sql.escape(keyColumn.databaseName);
    const list = this.selectListOf(columns);
    const sql = `SELECT ${list} FROM ${this.name} WHERE ${keyName} = ${this.sql.placeholder(0)} LIMIT 1`;
    const batch =
      this.sql.batches && this.isUnique(keyColumn)
        ? new Batcher<unknown, Record<string, unknown> | undefined>(async (keys) => {
            const rows = await this.sql.select(
              `SELECT ${keyName} AS oauth_batch_key, ${list} FROM ${this.name} WHERE ${keyName} = ANY($1)`,
              [keys],
            );
            const byKey = new Map(rows.map((row) => [row.oauth_batch_key, row]));
            return keys.map((key) => byKey.get(key));
          }, PG_BATCHING)
        : undefined;
    if (this.sql.dialect === 'sqlite') {
      // Synchronous underneath: no await between the statement and the caller.
      return (value) => {
        try {
          const row = this.sql.sqliteSelectOne(sql, [this.toDatabase(keyColumn, value)]);
          return Promise.resolve(row ? this.hydrate(row, columns) : null);
        } catch (error) {
          return Promise.reject(error as Error);
        }
      };
    }
    return async (value, manager) => {
      const param = this.toDatabase(keyColumn, value);
      const row =
        batch && !inTransaction(manager)
          ? await batch.run(param)
          : await this.sql.selectOne(sql, [param], manager);
      return row ? this.hydrate(row, columns) : null;
    };
  }

  private selectListOf(columns: ColumnMetadata[]): string {
    return columns === this.columns
      ? this.selectList
      : columns.map((column) => this.sql.escape(column.databaseName)).join(', ');
  }

  private isUnique(column: ColumnMetadata): boolean {
    return (
      column.isPrimary ||
      this.metadata.indices.some(
        (index) => index.isUnique && index.columns.length === 1 && index.columns[0] === column,
      )
    );
  }

  /** Inserts one row: every column of the entity, undefined ones as their database default. */
  async insert(row: T, manager?: EntityManager): Promise<void> {
    const columns = this.columns.filter(
      (column) => (row as Record<string, unknown>)[column.propertyName] !== undefined,
    );
    const values = columns.map((column) =>
      this.toDatabase(column, (row as Record<string, unknown>)[column.propertyName]),
    );
    const shape = columns.map((column) => column.propertyName).join(',');
    if (this.sql.batches && !inTransaction(manager)) {
      // Concurrent inserts of one shape share a multi-row INSERT (one statement: all or nothing).
      let batch = this.insertBatches.get(shape);
      if (!batch) {
        batch = new Batcher(async (rows) => {
          await this.sql.execute(this.insertSql(shape, columns, rows.length), rows.flat());
          return rows.map(() => undefined);
        }, PG_BATCHING);
        this.insertBatches.set(shape, batch);
      }
      return batch.run(values);
    }
    await this.sql.execute(this.insertSql(shape, columns, 1), values, manager);
  }

  private readonly insertBatches = new Map<string, Batcher<unknown[], void>>();
  private readonly insertStatements = new Map<string, string>();

  /** `INSERT INTO t (columns) VALUES (...), (...)` for `rowCount` rows, built once per shape. */
  private insertSql(shape: string, columns: ColumnMetadata[], rowCount: number): string {
    const key = `${rowCount}:${shape}`;
    let sql = this.insertStatements.get(key);
    if (!sql) {
      const names = columns.map((column) => this.sql.escape(column.databaseName)).join(', ');
      const tuples = Array.from(
        { length: rowCount },
        (_, row) =>
          `(${columns.map((_, index) => this.sql.placeholder(row * columns.length + index)).join(', ')})`,
      );
      sql = `INSERT INTO ${this.name} (${names}) VALUES ${tuples.join(', ')}`;
      this.insertStatements.set(key, sql);
    }
    return sql;
  }

  /** `UPDATE ... SET values WHERE where`; returns how many rows changed. */
  async update(
    where: Partial<Record<keyof T & string, unknown>>,
    values: Partial<Record<keyof T & string, unknown>>,
    manager?: EntityManager,
  ): Promise<number> {
    const key = `update:${SqlTable.shape(values)}:${SqlTable.shape(where)}`;
    let plan = this.plans.get(key);
    if (!plan) {
      const { sql, condition } = this.updateSql(where, values);
      plan = { sql, condition, columns: [] };
      this.plans.set(key, plan);
    }
    return this.sql.execute(plan.sql, this.updateParams(plan.condition, where, values), manager);
  }

  /**
   * PostgreSQL only: `UPDATE guard.table SET guard.values WHERE guard.where` and, only if that
   * changed a row, an INSERT of `row` into this table, in one statement, so both happen or
   * neither. One round trip instead of a transaction's four. Returns whether `row` was inserted.
   */
  async insertIfUpdated<G extends ObjectLiteral>(
    guard: {
      table: SqlTable<G>;
      where: Partial<Record<keyof G & string, unknown>>;
      values: Partial<Record<keyof G & string, unknown>>;
    },
    row: T,
  ): Promise<boolean> {
    const { table, where, values } = guard;
    const columns = this.columns.filter(
      (column) => (row as Record<string, unknown>)[column.propertyName] !== undefined,
    );
    const key = `insertIfUpdated:${table.name}:${SqlTable.shape(values)}:${SqlTable.shape(where)}:${columns.map((column) => column.propertyName).join(',')}`;
    let plan = this.plans.get(key);
    if (!plan) {
      const update = table.updateSql(where, values);
      const offset = Object.keys(values).length + update.condition.columns.length;
      // Parameters in a SELECT list have no type of their own: cast each to its column's.
      const selected = columns.map(
        (column, index) =>
          `${this.sql.placeholder(offset + index)}::${this.dataSource.driver.normalizeType(column)}`,
      );
      const names = columns.map((column) => this.sql.escape(column.databaseName)).join(', ');
      plan = {
        sql: `WITH spent AS (${update.sql} RETURNING 1) INSERT INTO ${this.name} (${names}) SELECT ${selected.join(', ')} FROM spent`,
        condition: update.condition,
        columns,
      };
      this.plans.set(key, plan);
    }
    const inserted = await this.sql.execute(plan.sql, [
      ...table.updateParams(plan.condition, where, values),
      ...plan.columns.map((column) =>
        this.toDatabase(column, (row as Record<string, unknown>)[column.propertyName]),
      ),
    ]);
    return inserted === 1;
  }

  /** For insertIfUpdated on another table. */
  updateSql(where: object, values: object): { sql: string; condition: Condition } {
    const properties = Object.keys(values);
    const condition = this.condition(where, properties.length);
    const set = properties.map(
      (property, index) =>
        `${this.sql.escape(this.column(property).databaseName)} = ${this.sql.placeholder(index)}`,
    );
    return { sql: `UPDATE ${this.name} SET ${set.join(', ')} WHERE ${condition.sql}`, condition };
  }

  updateParams(condition: Condition, where: object, values: object): unknown[] {
    return [
      ...Object.entries(values).map(([property, value]) =>
        this.toDatabase(this.column(property), value),
      ),
      ...this.conditionParams(condition, where),
    ];
  }
}
