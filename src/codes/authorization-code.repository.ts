import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, IsNull } from 'typeorm';
import { randomToken, sha256 } from '../common/crypto';
import { nowMs } from '../common/time';
import { InjectOAuthDataSource } from '../oauth.constants';
import { OAuthAuthorizationCode } from './oauth-authorization-code.entity';

export type NewAuthorizationCode = Omit<OAuthAuthorizationCode, 'id' | 'codeHash' | 'consumedAt' | 'createdAt'>;

/** Authorization codes: random, stored by hash, consumed once by an atomic update. */
@Injectable()
export class AuthorizationCodeRepository {
  constructor(@InjectOAuthDataSource() private readonly dataSource: DataSource) {}

  private get repository() {
    return this.dataSource.getRepository(OAuthAuthorizationCode);
  }

  /** Stores a new code and returns it; only its hash is kept. */
  async create(fields: NewAuthorizationCode): Promise<string> {
    const code = randomToken();
    await this.repository.insert({
      ...fields,
      id: randomUUID(),
      codeHash: sha256(code),
      consumedAt: null,
      createdAt: nowMs(),
    });
    return code;
  }

  findByCode(code: string): Promise<OAuthAuthorizationCode | null> {
    return this.repository.findOneBy({ codeHash: sha256(code) });
  }

  /** Marks the code used; false when it was used before (a replay). */
  async consume(id: string): Promise<boolean> {
    const result = await this.repository.update({ id, consumedAt: IsNull() }, { consumedAt: nowMs() });
    return result.affected === 1;
  }
}
