import { Injectable } from '@nestjs/common';
import { DataSource, IsNull, LessThan, MoreThan, Not } from 'typeorm';
import { InjectOAuthDataSource } from '../../oauth.constants';
import { OAuthAuthorizationCode } from '../entities/oauth-authorization-code.entity';
import { OAuthToken } from '../entities/oauth-token.entity';
import { GrantOwner, LiveFamily, TokenSelector, TokenStore } from '../stores/token.store';
import { deleteBatch } from './delete-expired';
import { revokeGrantsIn, revokeTokensIn } from './grants';
import { inTransaction } from './transaction';

/** TokenStore on TypeORM's public API: any database TypeORM supports. */
@Injectable()
export class TypeOrmTokenStore extends TokenStore {
  constructor(@InjectOAuthDataSource() protected readonly dataSource: DataSource) {
    super();
  }

  private get repository() {
    return this.dataSource.getRepository(OAuthToken);
  }

  findById(id: string): Promise<OAuthToken | null> {
    return this.repository.findOneBy({ id });
  }

  findByAccessTokenHash(hash: string): Promise<OAuthToken | null> {
    return this.repository.findOneBy({ accessTokenHash: hash });
  }

  findByRefreshTokenHash(hash: string): Promise<OAuthToken | null> {
    return this.repository.findOneBy({ refreshTokenHash: hash });
  }

  findRevocationStatus(id: string): Promise<Pick<OAuthToken, 'clientId' | 'revokedAt'> | null> {
    return this.repository.findOne({
      where: { id },
      select: { id: true, clientId: true, revokedAt: true },
    });
  }

  async insert(row: OAuthToken): Promise<void> {
    await this.repository.insert(row);
  }

  insertIfRefreshSpent(previousId: string, row: OAuthToken, at: number): Promise<boolean> {
    return this.insertIfRefreshUnused(previousId, { refreshConsumedAt: at }, row);
  }

  findRefreshSuccessor(
    row: Pick<OAuthToken, 'familyId' | 'refreshCount'>,
  ): Promise<OAuthToken | null> {
    return this.repository.findOneBy({
      familyId: row.familyId,
      refreshCount: row.refreshCount + 1,
      refreshTokenHash: Not(IsNull()),
    });
  }

  insertIfRefreshSuperseded(successorId: string, row: OAuthToken, at: number): Promise<boolean> {
    return this.insertIfRefreshUnused(successorId, { refreshConsumedAt: at, revokedAt: at }, row);
  }

  /** Sets `values` on row `id` if its refresh token is unused and unrevoked; then stores `row`. */
  private insertIfRefreshUnused(
    id: string,
    values: Partial<OAuthToken>,
    row: OAuthToken,
  ): Promise<boolean> {
    return inTransaction(this.dataSource, async (manager) => {
      const spent = await manager.update(
        OAuthToken,
        { id, refreshConsumedAt: IsNull(), revokedAt: IsNull() },
        values,
      );
      if (spent.affected !== 1) return false;
      await manager.insert(OAuthToken, row);
      return true;
    });
  }

  insertIfCodeSpent(codeId: string, row: OAuthToken, at: number): Promise<boolean> {
    return inTransaction(this.dataSource, async (manager) => {
      const spent = await manager.update(
        OAuthAuthorizationCode,
        { id: codeId, consumedAt: IsNull() },
        { consumedAt: at },
      );
      if (spent.affected !== 1) return false;
      await manager.insert(OAuthToken, row);
      return true;
    });
  }

  revoke(selector: TokenSelector, at: number): Promise<number> {
    // In a transaction so that on SQLite it queues behind a spend-and-store in progress.
    return inTransaction(this.dataSource, (manager) => revokeTokensIn(manager, selector, at));
  }

  revokeGrants(owner: GrantOwner, at: number): Promise<number> {
    return inTransaction(this.dataSource, (manager) => revokeGrantsIn(manager, owner, at));
  }

  async listLiveFamilies(subject: string, now: number): Promise<LiveFamily[]> {
    const live = { subject, revokedAt: IsNull() };
    const rows = await this.repository.find({
      select: { familyId: true, clientId: true, scopes: true, refreshScopes: true },
      where: [
        { ...live, expiresAt: MoreThan(now) },
        { ...live, refreshExpiresAt: MoreThan(now) },
      ],
    });
    const families = new Map<string, LiveFamily>();
    for (const row of rows) {
      const family = families.get(row.familyId) ?? {
        familyId: row.familyId,
        clientId: row.clientId,
        scopes: [],
      };
      family.scopes = [...new Set([...family.scopes, ...row.scopes, ...(row.refreshScopes ?? [])])];
      families.set(row.familyId, family);
    }
    return [...families.values()];
  }

  deleteExpired(now: number, batchSize: number): Promise<number> {
    const expired = LessThan(now);
    return deleteBatch(
      this.dataSource,
      OAuthToken,
      [
        { expiresAt: expired, refreshExpiresAt: IsNull() },
        { expiresAt: expired, refreshExpiresAt: expired },
      ],
      batchSize,
    );
  }
}
