import { Injectable } from '@nestjs/common';
import { DataSource, IsNull, LessThan, MoreThan } from 'typeorm';
import { InjectOAuthDataSource } from '../../oauth.constants';
import { OAuthPushedRequest } from '../entities/oauth-pushed-request.entity';
import { PushedRequestStore } from '../stores/pushed-request.store';
import { deleteBatch } from './delete-expired';
import { inTransaction } from './transaction';

/** PushedRequestStore on TypeORM's public API: any database TypeORM supports. */
@Injectable()
export class TypeOrmPushedRequestStore extends PushedRequestStore {
  constructor(@InjectOAuthDataSource() private readonly dataSource: DataSource) {
    super();
  }

  async insert(row: OAuthPushedRequest): Promise<void> {
    await this.dataSource.getRepository(OAuthPushedRequest).insert(row);
  }

  take(id: string, clientId: string, now: number): Promise<OAuthPushedRequest | null> {
    // UPDATE ... WHERE consumed_at IS NULL AND expires_at > now: the database picks the one
    // winner. In a transaction so that on SQLite it queues behind others instead of joining one.
    return inTransaction(this.dataSource, async (manager) => {
      const result = await manager.update(
        OAuthPushedRequest,
        { id, clientId, consumedAt: IsNull(), expiresAt: MoreThan(now) },
        { consumedAt: now },
      );
      if (result.affected !== 1) return null;
      return manager.findOneBy(OAuthPushedRequest, { id });
    });
  }

  deleteExpired(now: number, batchSize: number): Promise<number> {
    return deleteBatch(
      this.dataSource,
      OAuthPushedRequest,
      { expiresAt: LessThan(now) },
      batchSize,
    );
  }
}
