import { Injectable } from '@nestjs/common';
import { DataSource, LessThan } from 'typeorm';
import { InjectOAuthDataSource } from '../../oauth.constants';
import { OAuthClientAssertion } from '../entities/oauth-client-assertion.entity';
import { ClientAssertionStore } from '../stores/client-assertion.store';
import { isUniqueViolation } from '../unique-violation';
import { deleteBatch } from './delete-expired';

/** ClientAssertionStore on TypeORM's public API: a second use fails on the primary key. */
@Injectable()
export class TypeOrmClientAssertionStore extends ClientAssertionStore {
  constructor(@InjectOAuthDataSource() private readonly dataSource: DataSource) {
    super();
  }

  async remember(id: string, expiresAt: number): Promise<boolean> {
    try {
      await this.dataSource.getRepository(OAuthClientAssertion).insert({ id, expiresAt });
      return true;
    } catch (error) {
      if (isUniqueViolation(error)) return false;
      throw error;
    }
  }

  deleteExpired(now: number, batchSize: number): Promise<number> {
    return deleteBatch(
      this.dataSource,
      OAuthClientAssertion,
      { expiresAt: LessThan(now) },
      batchSize,
    );
  }
}
