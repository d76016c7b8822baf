import { Injectable } from '@nestjs/common';
import { DataSource, IsNull, LessThan } from 'typeorm';
import { InjectOAuthDataSource } from '../../oauth.constants';
import { OAuthAuthorizationCode } from '../entities/oauth-authorization-code.entity';
import { AuthorizationCodeStore } from '../stores/authorization-code.store';
import { deleteBatch } from './delete-expired';
import { inTransaction } from './transaction';

/** AuthorizationCodeStore on TypeORM's public API: any database TypeORM supports. */
@Injectable()
export class TypeOrmAuthorizationCodeStore extends AuthorizationCodeStore {
  constructor(@InjectOAuthDataSource() protected readonly dataSource: DataSource) {
    super();
  }

  private get repository() {
    return this.dataSource.getRepository(OAuthAuthorizationCode);
  }

  async insert(row: OAuthAuthorizationCode): Promise<void> {
    await this.repository.insert(row);
  }

  findByCodeHash(hash: string): Promise<OAuthAuthorizationCode | null> {
    return this.repository.findOneBy({ codeHash: hash });
  }

  consume(id: string, at: number): Promise<boolean> {
    // In a transaction so that on SQLite it queues behind an exchange in progress instead of
    // joining its transaction.
    return inTransaction(this.dataSource, async (manager) => {
      const result = await manager.update(
        OAuthAuthorizationCode,
        { id, consumedAt: IsNull() },
        { consumedAt: at },
      );
      return result.affected === 1;
    });
  }

  deleteExpired(now: number, batchSize: number): Promise<number> {
    return deleteBatch(
      this.dataSource,
      OAuthAuthorizationCode,
      { expiresAt: LessThan(now) },
      batchSize,
    );
  }
}
