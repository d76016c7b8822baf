import { Injectable } from '@nestjs/common';
import { DataSource, In } from 'typeorm';
import { InjectOAuthDataSource } from '../../oauth.constants';
import { OAuthSigningKey } from '../entities/oauth-signing-key.entity';
import { RetireOutcome, SigningKeyStore } from '../stores/signing-key.store';

/** SigningKeyStore on TypeORM's public API. */
@Injectable()
export class TypeOrmSigningKeyStore extends SigningKeyStore {
  constructor(@InjectOAuthDataSource() private readonly dataSource: DataSource) {
    super();
  }

  private get repository() {
    return this.dataSource.getRepository(OAuthSigningKey);
  }

  listUsable(): Promise<OAuthSigningKey[]> {
    return this.repository.find({ where: { status: In(['active', 'retiring']) } });
  }

  list(): Promise<OAuthSigningKey[]> {
    return this.repository.find({ order: { createdAt: 'ASC', kid: 'ASC' } });
  }

  async insert(row: OAuthSigningKey): Promise<void> {
    await this.repository.insert(row);
  }

  async markRetiring(kids: string[], at: number): Promise<void> {
    if (kids.length === 0) return;
    await this.repository.update(
      { kid: In(kids), status: 'active' },
      { status: 'retiring', rotatedAt: at },
    );
  }

  async retire(kid: string, at: number): Promise<RetireOutcome> {
    const result = await this.repository.update(
      { kid, status: 'retiring' },
      { status: 'retired', retiredAt: at },
    );
    if (result.affected) return 'retired';
    // Nothing changed (or the driver does not say): the stored row tells why.
    const row = await this.repository.findOne({ where: { kid }, select: { status: true } });
    if (!row) return 'not_found';
    return row.status === 'active' ? 'active' : 'retired';
  }
}
