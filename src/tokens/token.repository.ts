import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager, IsNull } from 'typeorm';
import { sha256 } from '../common/crypto';
import { nowMs } from '../common/time';
import { InjectOAuthDataSource } from '../oauth.constants';
import { LeanSql } from '../storage/lean-sql';
import { inTransaction } from '../storage/transaction';
import { OAuthToken } from './oauth-token.entity';

/** Token rows, with the single-use and revocation operations done in the database. */
@Injectable()
export class TokenRepository {
  private readonly lean = LeanSql.for(this.dataSource);
  /** Prepared lookups of the hot paths (lean drivers only). */
  private readonly find = this.lean && {
    byId: this.lean.table(OAuthToken).finder('id'),
    revocationStatusById: this.lean.table(OAuthToken).finder('id', ['clientId', 'revokedAt']),
    byRefreshTokenHash: this.lean.table(OAuthToken).finder('refreshTokenHash'),
    byAccessTokenHash: this.lean.table(OAuthToken).finder('accessTokenHash'),
  };

  constructor(@InjectOAuthDataSource() private readonly dataSource: DataSource) {}

  findByRefreshToken(refreshToken: string, manager?: EntityManager): Promise<OAuthToken | null> {
    if (this.find) return this.find.byRefreshTokenHash(sha256(refreshToken), manager);
    return (manager ?? this.dataSource.manager).findOneBy(OAuthToken, {
      refreshTokenHash: sha256(refreshToken),
    });
  }

  findByAccessTokenHash(hash: string): Promise<OAuthToken | null> {
    if (this.find) return this.find.byAccessTokenHash(hash);
    return this.dataSource.manager.findOneBy(OAuthToken, { accessTokenHash: hash });
  }

  findById(id: string): Promise<OAuthToken | null> {
    if (this.find) return this.find.byId(id);
    return this.dataSource.manager.findOneBy(OAuthToken, { id });
  }

  /** What the strict revocation check reads on every protected request: client and revocation. */
  findRevocationStatus(id: string): Promise<Pick<OAuthToken, 'clientId' | 'revokedAt'> | null> {
    if (this.find) return this.find.revocationStatusById(id);
    return this.dataSource.manager.findOne(OAuthToken, {
      where: { id },
      select: { id: true, clientId: true, revokedAt: true },
    });
  }

  /** Stores a new token row (inside `manager`'s transaction when given). */
  async insert(row: OAuthToken, manager: EntityManager = this.dataSource.manager): Promise<void> {
    if (this.lean) await this.lean.table(OAuthToken).insert(row, manager);
    else await manager.insert(OAuthToken, row);
  }

  /**
   * Spends the refresh token of row `spentId` and stores its successor, both or neither.
   * False (nothing stored) when the token was spent or revoked before: reuse. On PostgreSQL
   * this is one statement; elsewhere a transaction.
   */
  async rotateRefreshToken(spentId: string, successor: OAuthToken): Promise<boolean> {
    if (this.lean?.type === 'postgres') {
      return this.lean
        .table(OAuthToken)
        .insertIfUpdated(
          { id: spentId, refreshConsumedAt: null, revokedAt: null },
          { refreshConsumedAt: nowMs() },
          successor,
        );
    }
    return inTransaction(this.dataSource, async (manager) => {
      if (!(await this.consumeRefreshToken(spentId, manager))) return false;
      await this.insert(successor, manager);
      return true;
    });
  }

  /**
   * Marks the row's refresh token used, only if it was not used or revoked before.
   * Returns false when another request got there first (reuse).
   */
  private async consumeRefreshToken(id: string, manager: EntityManager): Promise<boolean> {
    if (this.lean) {
      const changed = await this.lean
        .table(OAuthToken)
        .update(
          { id, refreshConsumedAt: null, revokedAt: null },
          { refreshConsumedAt: nowMs() },
          manager,
        );
      return changed === 1;
    }
    const result = await manager.update(
      OAuthToken,
      { id, refreshConsumedAt: IsNull(), revokedAt: IsNull() },
      { refreshConsumedAt: nowMs() },
    );
    return result.affected === 1;
  }

  /** Revokes every token of a family (one authorization). */
  async revokeFamily(
    familyId: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<number> {
    const result = await manager.update(
      OAuthToken,
      { familyId, revokedAt: IsNull() },
      { revokedAt: nowMs() },
    );
    return result.affected ?? 0;
  }

  /**
   * Revokes every token issued from an authorization code (after the code was replayed):
   * refreshes carry `origin_code_id` forward, so this is the code's whole family.
   */
  async revokeIssuedFromCode(
    codeId: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<number> {
    const result = await manager.update(
      OAuthToken,
      { originCodeId: codeId, revokedAt: IsNull() },
      { revokedAt: nowMs() },
    );
    return result.affected ?? 0;
  }
}
