import { DataSource } from 'typeorm';

interface SqliteStatement {
  all(...params: unknown[]): unknown[];
  get(...params: unknown[]): unknown;
  run(...params: unknown[]): { changes: number };
}

/**
 * The one place that reaches into better-sqlite3 under TypeORM: its single connection
 * (`driver.databaseConnection`), with statements prepared once. Statements run inside whatever
 * transaction TypeORM has open on that connection, exactly like TypeORM's own queries.
 */
export class SqliteConnection {
  private readonly statements = new Map<string, SqliteStatement>();

  constructor(private readonly dataSource: DataSource) {}

  statement(sql: string): SqliteStatement {
    let statement = this.statements.get(sql);
    if (!statement) {
      const connection = (
        this.dataSource.driver as unknown as {
          databaseConnection: { prepare(sql: string): SqliteStatement };
        }
      ).databaseConnection;
      statement = connection.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }
}
