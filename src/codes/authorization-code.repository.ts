import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { randomToken, sha256 } from '../common/crypto';
import { nowMs } from '../common/time';
import { InjectOAuthDataSource } from '../oauth.constants';
import { LeanSql } from '../storage/lean-sql';
import { runSpend, Spend } from '../storage/spend';
import { inTransaction } from '../storage/transaction';
import { OAuthAuthorizationCode } from '../storage/entities/oauth-authorization-code.entity';

export type NewAuthorizationCode = Omit<
  OAuthAuthorizationCode,
  'id' | 'codeHash' | 'consumedAt' | 'createdAt'
>;

/** Authorization codes: random, stored by hash, consumed once by an atomic update. */
@Injectable()
export class AuthorizationCodeRepository {
  private readonly lean = LeanSql.for(this.dataSource);
  private readonly findByCodeHash = this.lean?.table(OAuthAuthorizationCode).finder('codeHash');

  constructor(@InjectOAuthDataSource() private readonly dataSource: DataSource) {}

  private get repository() {
    return this.dataSource.getRepository(OAuthAuthorizationCode);
  }

  /** Stores a new code and returns it; only its hash is kept. `now` is its creation time. */
  async create(fields: NewAuthorizationCode, now = nowMs()): Promise<string> {
    const code = randomToken();
    const row = {
      ...fields,
      id: randomUUID(),
      codeHash: sha256(code),
      consumedAt: null,
      createdAt: now,
    };
    if (this.lean)
      await this.lean
        .table(OAuthAuthorizationCode)
        .insert(Object.assign(new OAuthAuthorizationCode(), row));
    else await this.repository.insert(row);
    return code;
  }

  findByCode(code: string): Promise<OAuthAuthorizationCode | null> {
    if (this.findByCodeHash) return this.findByCodeHash(sha256(code));
    return this.repository.findOneBy({ codeHash: sha256(code) });
  }

  /** Using up the code of row `id` (not if it was used before). */
  spend(id: string): Spend<OAuthAuthorizationCode> {
    return {
      entity: OAuthAuthorizationCode,
      where: { id, consumedAt: null },
      values: { consumedAt: nowMs() },
    };
  }

  /**
   * Marks the code used; false when it was used before (a replay). In a transaction so that on
   * SQLite it queues behind an exchange in progress instead of joining its transaction.
   */
  consume(id: string): Promise<boolean> {
    return inTransaction(this.dataSource, (manager) =>
      runSpend(this.dataSource, this.spend(id), manager),
    );
  }
}
