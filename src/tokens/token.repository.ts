import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager, IsNull, ObjectLiteral } from 'typeorm';
import { sha256 } from '../common/crypto';
import { nowMs } from '../common/time';
import { InjectOAuthDataSource } from '../oauth.constants';
import { LeanSql } from '../storage/lean-sql';
import { insertIfSpent, Spend } from '../storage/spend';
import { OAuthToken } from '../storage/entities/oauth-token.entity';

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

  /** Using up the refresh token of row `id` (not if it was used or revoked before). */
  refreshTokenSpend(id: string): Spend<OAuthToken> {
    return {
      entity: OAuthToken,
      where: { id, refreshConsumedAt: null, revokedAt: null },
      values: { refreshConsumedAt: nowMs() },
    };
  }

  /**
   * Stores a token row only if `spend` (a code or a refresh token) succeeds, both or neither.
   * False, with nothing stored, when it was spent before: a replay.
   */
  insertIfSpent<S extends ObjectLiteral>(spend: Spend<S>, row: OAuthToken): Promise<boolean> {
    return insertIfSpent(this.dataSource, spend, OAuthToken, row);
  }

  /** Revokes the not yet revoked tokens matching `where`; returns how many. */
  async revokeWhere(
    where: Partial<Pick<OAuthToken, 'id' | 'familyId' | 'originCodeId' | 'subject' | 'clientId'>>,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<number> {
    const result = await manager.update(
      OAuthToken,
      { ...where, revokedAt: IsNull() },
      { revokedAt: nowMs() },
    );
    return result.affected ?? 0;
  }

  /** Revokes every token of a family (one authorization). */
  revokeFamily(familyId: string, manager?: EntityManager): Promise<number> {
    return this.revokeWhere({ familyId }, manager);
  }

  /**
   * Revokes every token issued from an authorization code (after the code was replayed):
   * refreshes carry `origin_code_id` forward, so this is the code's whole family.
   */
  revokeIssuedFromCode(codeId: string, manager?: EntityManager): Promise<number> {
    return this.revokeWhere({ originCodeId: codeId }, manager);
  }
}
