import { DataSource } from 'typeorm';
import { OAuthClient } from '../entities/oauth-client.entity';
import { TypeOrmClientStore } from '../typeorm/typeorm-client.store';
import { SqlRunner } from './sql-runner';

/** ClientStore on PostgreSQL and SQLite: the per-request lookup as a prepared statement. */
export class SqlClientStore extends TypeOrmClientStore {
  private readonly byClientId;

  constructor(dataSource: DataSource, sql: SqlRunner) {
    super(dataSource);
    this.byClientId = sql.table(OAuthClient).finder('clientId');
  }

  protected override findById(clientId: string): Promise<OAuthClient | null> {
    return this.byClientId(clientId);
  }
}
