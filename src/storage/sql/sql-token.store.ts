import { DataSource } from 'typeorm';
import { OAuthAuthorizationCode } from '../entities/oauth-authorization-code.entity';
import { OAuthToken } from '../entities/oauth-token.entity';
import { TypeOrmTokenStore } from '../typeorm/typeorm-token.store';
import { inTransaction } from '../typeorm/transaction';
import { SqlRunner } from './sql-runner';
import { SqlTable } from './sql-table';

/**
 * TokenStore on PostgreSQL and SQLite: the hot paths (lookups, inserts, spend-and-store) as
 * prepared statements; the rest as on every database. Spend-and-store is one statement on
 * PostgreSQL and a queued transaction on SQLite.
 */
export class SqlTokenStore extends TypeOrmTokenStore {
  private readonly tokens: SqlTable<OAuthToken>;
  private readonly byId;
  private readonly revocationStatusById;
  private readonly byRefreshTokenHash;
  private readonly byAccessTokenHash;

  constructor(
    dataSource: DataSource,
    private readonly sql: SqlRunner,
  ) {
    super(dataSource);
    this.tokens = sql.table(OAuthToken);
    this.byId = this.tokens.finder('id');
    this.revocationStatusById = this.tokens.finder('id', ['clientId', 'revokedAt']);
    this.byRefreshTokenHash = this.tokens.finder('refreshTokenHash');
    this.byAccessTokenHash = this.tokens.finder('accessTokenHash');
  }

  override findById(id: string): Promise<OAuthToken | null> {
    return this.byId(id);
  }

  override findByAccessTokenHash(hash: string): Promise<OAuthToken | null> {
    return this.byAccessTokenHash(hash);
  }

  override findByRefreshTokenHash(hash: string): Promise<OAuthToken | null> {
    return this.byRefreshTokenHash(hash);
  }

  override findRevocationStatus(
    id: string,
  ): Promise<Pick<OAuthToken, 'clientId' | 'revokedAt'> | null> {
    return this.revocationStatusById(id);
  }

  override insert(row: OAuthToken): Promise<void> {
    return this.tokens.insert(row);
  }

  override insertIfRefreshSpent(previousId: string, row: OAuthToken, at: number): Promise<boolean> {
    return this.insertIfSpent(
      this.tokens,
      { id: previousId, refreshConsumedAt: null, revokedAt: null },
      { refreshConsumedAt: at },
      row,
    );
  }

  /** Rare (a retry after a lost response), but one statement on PostgreSQL all the same. */
  override insertIfRefreshSuperseded(
    successorId: string,
    row: OAuthToken,
    at: number,
  ): Promise<boolean> {
    return this.insertIfSpent(
      this.tokens,
      { id: successorId, refreshConsumedAt: null, revokedAt: null },
      { refreshConsumedAt: at, revokedAt: at },
      row,
    );
  }

  override insertIfCodeSpent(codeId: string, row: OAuthToken, at: number): Promise<boolean> {
    return this.insertIfSpent(
      this.sql.table(OAuthAuthorizationCode),
      { id: codeId, consumedAt: null },
      { consumedAt: at },
      row,
    );
  }

  /** `UPDATE spent SET values WHERE where` (null: IS NULL) must change one row; then the insert. */
  private insertIfSpent<S extends object>(
    spent: SqlTable<S>,
    where: Partial<Record<keyof S & string, unknown>>,
    values: Partial<Record<keyof S & string, unknown>>,
    row: OAuthToken,
  ): Promise<boolean> {
    if (this.sql.dialect === 'postgres')
      return this.tokens.insertIfUpdated({ table: spent, where, values }, row);
    return inTransaction(this.dataSource, async (manager) => {
      if ((await spent.update(where, values, manager)) !== 1) return false;
      await this.tokens.insert(row, manager);
      return true;
    });
  }
}
