import { Injectable } from '@nestjs/common';
import { DataSource, IsNull, LessThan } from 'typeorm';
import { InjectOAuthDataSource } from '../../oauth.constants';
import { OAuthAttemptLimit } from '../entities/oauth-attempt-limit.entity';
import { AttemptCount, AttemptLimitStore } from '../stores/attempt-limit.store';
import { isUniqueViolation } from '../unique-violation';
import { deleteBatch } from './delete-expired';

/**
 * AttemptLimitStore on TypeORM's public API. `replace` is a compare-and-set: an `INSERT` that
 * the primary key refuses when another writer came first, or an `UPDATE` that matches only the
 * state the writer read.
 */
@Injectable()
export class TypeOrmAttemptLimitStore extends AttemptLimitStore {
  constructor(@InjectOAuthDataSource() private readonly dataSource: DataSource) {
    super();
  }

  private get repository() {
    return this.dataSource.getRepository(OAuthAttemptLimit);
  }

  find(id: string): Promise<OAuthAttemptLimit | null> {
    return this.repository.findOneBy({ id });
  }

  async replace(id: string, seen: AttemptCount | null, next: AttemptCount): Promise<boolean> {
    if (!seen) {
      try {
        await this.repository.insert({ id, ...next });
        return true;
      } catch (error) {
        if (isUniqueViolation(error)) return false;
        throw error;
      }
    }
    const updated = await this.repository.update(
      {
        id,
        failures: seen.failures,
        expiresAt: seen.expiresAt,
        blockedUntil: seen.blockedUntil ?? IsNull(),
      },
      next,
    );
    return updated.affected === 1;
  }

  async clear(id: string): Promise<void> {
    await this.repository.delete({ id });
  }

  deleteExpired(now: number, batchSize: number): Promise<number> {
    return deleteBatch(this.dataSource, OAuthAttemptLimit, { expiresAt: LessThan(now) }, batchSize);
  }
}
