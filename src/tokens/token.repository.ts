import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager, IsNull } from 'typeorm';
import { sha256 } from '../common/crypto';
import { nowMs } from '../common/time';
import { InjectOAuthDataSource } from '../oauth.constants';
import { OAuthToken } from './oauth-token.entity';

/** Token rows, with the single-use and revocation operations done in the database. */
@Injectable()
export class TokenRepository {
  constructor(@InjectOAuthDataSource() private readonly dataSource: DataSource) {}

  findByRefreshToken(refreshToken: string, manager: EntityManager = this.dataSource.manager): Promise<OAuthToken | null> {
    return manager.findOneBy(OAuthToken, { refreshTokenHash: sha256(refreshToken) });
  }

  findByAccessTokenHash(hash: string): Promise<OAuthToken | null> {
    return this.dataSource.manager.findOneBy(OAuthToken, { accessTokenHash: hash });
  }

  findById(id: string): Promise<OAuthToken | null> {
    return this.dataSource.manager.findOneBy(OAuthToken, { id });
  }

  /**
   * Marks the row's refresh token used, only if it was not used or revoked before.
   * Returns false when another request got there first (reuse).
   */
  async consumeRefreshToken(id: string, manager: EntityManager): Promise<boolean> {
    const result = await manager.update(
      OAuthToken,
      { id, refreshConsumedAt: IsNull(), revokedAt: IsNull() },
      { refreshConsumedAt: nowMs() },
    );
    return result.affected === 1;
  }

  /** Revokes every token of a family (one authorization). */
  async revokeFamily(familyId: string, manager: EntityManager = this.dataSource.manager): Promise<number> {
    const result = await manager.update(OAuthToken, { familyId, revokedAt: IsNull() }, { revokedAt: nowMs() });
    return result.affected ?? 0;
  }

  /** Revokes every token issued from an authorization code (after the code was replayed). */
  async revokeIssuedFromCode(codeId: string, manager: EntityManager = this.dataSource.manager): Promise<number> {
    const families = await manager.find(OAuthToken, { where: { originCodeId: codeId }, select: { familyId: true } });
    let revoked = 0;
    for (const familyId of new Set(families.map((row) => row.familyId))) revoked += await this.revokeFamily(familyId, manager);
    return revoked;
  }
}
