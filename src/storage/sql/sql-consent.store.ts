import { DataSource } from 'typeorm';
import { OAuthConsent } from '../entities/oauth-consent.entity';
import { TypeOrmConsentStore } from '../typeorm/typeorm-consent.store';
import { SqlRunner } from './sql-runner';
import { SqlTable } from './sql-table';

/** ConsentStore on PostgreSQL and SQLite: the lookup of every authorization as a prepared statement. */
export class SqlConsentStore extends TypeOrmConsentStore {
  private readonly consents: SqlTable<OAuthConsent>;

  constructor(dataSource: DataSource, sql: SqlRunner) {
    super(dataSource);
    this.consents = sql.table(OAuthConsent);
  }

  override find(subject: string, clientId: string): Promise<OAuthConsent | null> {
    return this.consents.findOne({ subject, clientId });
  }
}
