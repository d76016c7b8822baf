import { DataSource, EntityManager } from 'typeorm';

type PgResult = { rows: Record<string, unknown>[]; rowCount: number | null };
type PgQueryable = { query(query: object): Promise<PgResult> };

/**
 * The one place that reaches into the `pg` driver under TypeORM: its pool (TypeORM's
 * `driver.master`) and a transaction's own connection. Statements run as named prepared
 * statements, parsed once per connection.
 */
export class PostgresConnection {
  private readonly names = new Map<string, string>();

  constructor(private readonly dataSource: DataSource) {}

  async query(sql: string, params: unknown[], manager?: EntityManager): Promise<PgResult> {
    let name = this.names.get(sql);
    if (!name) {
      name = `oauth_lean_${this.names.size + 1}`;
      this.names.set(sql, name);
    }
    const query = { name, text: sql, values: params };
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
