import { Injectable } from '@nestjs/common';
import { DataSource, IsNull, LessThan, MoreThan } from 'typeorm';
import { InjectOAuthDataSource } from '../../oauth.constants';
import { OAuthDeviceAuthorization } from '../entities/oauth-device-authorization.entity';
import { OAuthToken } from '../entities/oauth-token.entity';
import { DeviceAuthorizationStore, DeviceDecision } from '../stores/device-authorization.store';
import { isUniqueViolation } from '../unique-violation';
import { deleteBatch } from './delete-expired';
import { inTransaction } from './transaction';

/** DeviceAuthorizationStore on TypeORM's public API: any database TypeORM supports. */
@Injectable()
export class TypeOrmDeviceAuthorizationStore extends DeviceAuthorizationStore {
  constructor(@InjectOAuthDataSource() private readonly dataSource: DataSource) {
    super();
  }

  private get repository() {
    return this.dataSource.getRepository(OAuthDeviceAuthorization);
  }

  async insert(row: OAuthDeviceAuthorization): Promise<boolean> {
    try {
      await this.repository.insert(row);
      return true;
    } catch (error) {
      if (isUniqueViolation(error)) return false;
      throw error;
    }
  }

  findByDeviceCodeHash(hash: string): Promise<OAuthDeviceAuthorization | null> {
    return this.repository.findOneBy({ deviceCodeHash: hash });
  }

  findPendingByUserCodeHash(hash: string, now: number): Promise<OAuthDeviceAuthorization | null> {
    return this.repository.findOneBy({
      userCodeHash: hash,
      status: 'pending',
      expiresAt: MoreThan(now),
    });
  }

  /** UPDATE ... WHERE id = ? AND status = 'pending' AND expires_at > ?: one decision wins. */
  async decide(id: string, decision: DeviceDecision, now: number): Promise<boolean> {
    const result = await this.repository.update(
      { id, status: 'pending', expiresAt: MoreThan(now) },
      decision,
    );
    return result.affected === 1;
  }

  /** Compare-and-set on next_poll_at: of two polls that read the same value, one moves it. */
  async recordPoll(id: string, expected: number, next: number): Promise<boolean> {
    const result = await this.repository.update({ id, nextPollAt: expected }, { nextPollAt: next });
    return result.affected === 1;
  }

  async slowDown(id: string, interval: number, next: number): Promise<void> {
    await this.repository.update({ id }, { pollInterval: interval, nextPollAt: next });
  }

  insertTokensIfSpent(id: string, tokens: OAuthToken, at: number): Promise<boolean> {
    return inTransaction(this.dataSource, async (manager) => {
      const spent = await manager.update(
        OAuthDeviceAuthorization,
        { id, status: 'approved', consumedAt: IsNull() },
        { consumedAt: at },
      );
      if (spent.affected !== 1) return false;
      await manager.insert(OAuthToken, tokens);
      return true;
    });
  }

  deleteExpired(now: number, batchSize: number): Promise<number> {
    return deleteBatch(
      this.dataSource,
      OAuthDeviceAuthorization,
      { expiresAt: LessThan(now) },
      batchSize,
    );
  }
}
