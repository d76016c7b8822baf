import { DataSource } from 'typeorm';
import { OAuthAuthorizationCode } from '../entities/oauth-authorization-code.entity';
import { inTransaction } from '../typeorm/transaction';
import { TypeOrmAuthorizationCodeStore } from '../typeorm/typeorm-authorization-code.store';
import { SqlRunner } from './sql-runner';
import { SqlTable } from './sql-table';

/** AuthorizationCodeStore on PostgreSQL and SQLite: insert, lookup and consume as prepared statements. */
export class SqlAuthorizationCodeStore extends TypeOrmAuthorizationCodeStore {
  private readonly codes: SqlTable<OAuthAuthorizationCode>;
  private readonly byCodeHash;

  constructor(dataSource: DataSource, sql: SqlRunner) {
    super(dataSource);
    this.codes = sql.table(OAuthAuthorizationCode);
    this.byCodeHash = this.codes.finder('codeHash');
  }

  override insert(row: OAuthAuthorizationCode): Promise<void> {
    return this.codes.insert(row);
  }

  override findByCodeHash(hash: string): Promise<OAuthAuthorizationCode | null> {
    return this.byCodeHash(hash);
  }

  override consume(id: string, at: number): Promise<boolean> {
    // Queued like an exchange on SQLite (see TypeOrmAuthorizationCodeStore.consume).
    return inTransaction(
      this.dataSource,
      async (manager) =>
        (await this.codes.update({ id, consumedAt: null }, { consumedAt: at }, manager)) === 1,
    );
  }
}
