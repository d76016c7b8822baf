import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { InjectOAuthDataSource } from '../../oauth.constants';
import type { StoredAuthorizationDetail } from '../columns';
import { OAuthConsent } from '../entities/oauth-consent.entity';
import { ConsentStore } from '../stores/consent.store';

/** ConsentStore on TypeORM's public API: any database TypeORM supports. */
@Injectable()
export class TypeOrmConsentStore extends ConsentStore {
  constructor(@InjectOAuthDataSource() protected readonly dataSource: DataSource) {
    super();
  }

  private get repository() {
    return this.dataSource.getRepository(OAuthConsent);
  }

  find(subject: string, clientId: string): Promise<OAuthConsent | null> {
    return this.repository.findOneBy({ subject, clientId });
  }

  async insert(row: OAuthConsent): Promise<void> {
    await this.repository.insert(row);
  }

  async updateScopes(
    id: string,
    scopes: string[],
    at: number,
    authorizationDetails: StoredAuthorizationDetail[] | null,
  ): Promise<void> {
    await this.repository.update({ id }, { scopes, authorizationDetails, updatedAt: at });
  }

  listForUser(subject: string): Promise<OAuthConsent[]> {
    return this.repository.find({ where: { subject }, order: { updatedAt: 'DESC' } });
  }
}
