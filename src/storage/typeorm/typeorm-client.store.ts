import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { InjectOAuthDataSource } from '../../oauth.constants';
import { OAuthClient } from '../entities/oauth-client.entity';
import { ClientStore } from '../stores/client.store';
import { revokeGrantsIn } from './grants';
import { inTransaction } from './transaction';

/** ClientStore on TypeORM's public API: any database TypeORM supports. */
@Injectable()
export class TypeOrmClientStore extends ClientStore {
  constructor(@InjectOAuthDataSource() protected readonly dataSource: DataSource) {
    super();
  }

  private get repository() {
    return this.dataSource.getRepository(OAuthClient);
  }

  protected findById(clientId: string): Promise<OAuthClient | null> {
    return this.repository.findOneBy({ clientId });
  }

  list(filter: { owner?: string }): Promise<OAuthClient[]> {
    return this.repository.find({
      where: filter.owner !== undefined ? { owner: filter.owner } : {},
      order: { createdAt: 'ASC' },
    });
  }

  async insert(row: OAuthClient): Promise<void> {
    // A copy: without RETURNING (MySQL/MariaDB) TypeORM re-reads the columns that have defaults
    // into the inserted object unconverted, which would turn the caller's firstParty into 0/1.
    await this.repository.insert({ ...row });
  }

  async update(clientId: string, changes: Partial<OAuthClient>): Promise<boolean> {
    const result = await this.repository.update({ clientId }, changes);
    return result.affected === 1;
  }

  deleteWithGrants(clientId: string, at: number): Promise<number | null> {
    return inTransaction(this.dataSource, async (manager) => {
      const result = await manager.delete(OAuthClient, { clientId });
      if (!result.affected) return null;
      return revokeGrantsIn(manager, { clientId }, at);
    });
  }
}
