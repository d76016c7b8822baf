import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { randomToken, sha256 } from '../common/crypto';
import { nowMs } from '../common/time';
import type { OAuthAuthorizationCode } from '../storage/entities/oauth-authorization-code.entity';
import { AuthorizationCodeStore } from '../storage/stores/authorization-code.store';

export type NewAuthorizationCode = Omit<
  OAuthAuthorizationCode,
  'id' | 'codeHash' | 'consumedAt' | 'createdAt'
>;

/** Authorization codes: random, stored by hash, consumed once by an atomic update. */
@Injectable()
export class AuthorizationCodeService {
  constructor(private readonly store: AuthorizationCodeStore) {}

  /** Stores a new code and returns it; only its hash is kept. `now` is its creation time. */
  async create(fields: NewAuthorizationCode, now = nowMs()): Promise<string> {
    const code = randomToken();
    await this.store.insert({
      ...fields,
      id: randomUUID(),
      codeHash: sha256(code),
      consumedAt: null,
      createdAt: now,
    });
    return code;
  }

  findByCode(code: string): Promise<OAuthAuthorizationCode | null> {
    return this.store.findByCodeHash(sha256(code));
  }

  /** Marks the code used; false when it was used before (a replay). */
  consume(id: string): Promise<boolean> {
    return this.store.consume(id, nowMs());
  }
}
