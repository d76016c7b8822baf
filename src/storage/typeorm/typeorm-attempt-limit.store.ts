import { Injectable } from '@nestjs/common';
import { DataSource, IsNull, LessThan, LessThanOrEqual, MoreThan } from 'typeorm';
import { InjectOAuthDataSource } from '../../oauth.constants';
import { OAuthAttemptLimit } from '../entities/oauth-attempt-limit.entity';
import { AttemptLimitStore } from '../stores/attempt-limit.store';
import { isUniqueViolation } from '../unique-violation';
import { deleteBatch } from './delete-expired';

/**
 * AttemptLimitStore on TypeORM's public API. Counting is an atomic `failures = failures + 1`,
 * so concurrent guesses on several instances all count.
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

  async addFailure(id: string, now: number, expiresAt: number): Promise<number> {
    // Forgotten failures start again from one.
    const restarted = await this.repository.update(
      { id, expiresAt: LessThanOrEqual(now) },
      { failures: 1, blockedUntil: null, expiresAt },
    );
    if (restarted.affected !== 1 && !(await this.increment(id, now, expiresAt))) {
      try {
        await this.repository.insert({ id, failures: 1, blockedUntil: null, expiresAt });
      } catch (error) {
        // Another instance counted the first failure meanwhile: count this one on top.
        if (!isUniqueViolation(error) || !(await this.increment(id, now, expiresAt))) throw error;
      }
    }
    return (await this.find(id))?.failures ?? 1;
  }

  private async increment(id: string, now: number, expiresAt: number): Promise<boolean> {
    const counted = await this.repository.increment(
      { id, expiresAt: MoreThan(now) },
      'failures',
      1,
    );
    if (counted.affected !== 1) return false;
    await this.repository.update({ id }, { expiresAt });
    return true;
  }

  async block(id: string, until: number): Promise<void> {
    await this.repository.update(
      [
        { id, blockedUntil: IsNull() },
        { id, blockedUntil: LessThan(until) },
      ],
      { blockedUntil: until },
    );
  }

  async clear(id: string): Promise<void> {
    await this.repository.delete({ id });
  }

  deleteExpired(now: number, batchSize: number): Promise<number> {
    return deleteBatch(this.dataSource, OAuthAttemptLimit, { expiresAt: LessThan(now) }, batchSize);
  }
}
