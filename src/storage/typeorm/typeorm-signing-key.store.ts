import { Injectable } from '@nestjs/common';
import { DataSource, In } from 'typeorm';
import { InjectOAuthDataSource } from '../../oauth.constants';
import { OAuthSigningKey } from '../entities/oauth-signing-key.entity';
import type { StoredPrivateKey } from '../../keys/key-encryption';
import { DatabaseLockName, withDatabaseLock } from '../database-lock';
import { RetireOutcome, SigningKeyStore } from '../stores/signing-key.store';

/** Serializes first-start key generation across instances (see `insertFirstActive`). */
const FIRST_KEY_LOCK: DatabaseLockName = {
  postgres: 7_462_829_102,
  mysql: 'nest-oauth-server:keys:',
};

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

  insertFirstActive(row: OAuthSigningKey): Promise<boolean> {
    // Check and insert under a database lock, so instances starting together take turns: the
    // first inserts, the others find its key (on drivers without a lock, e.g. SQLite: unguarded).
    return withDatabaseLock(this.dataSource, FIRST_KEY_LOCK, async (manager) => {
      const repository = manager.getRepository(OAuthSigningKey);
      if (await repository.exists({ where: { alg: row.alg, status: 'active' } })) return false;
      await repository.insert(row);
      return true;
    });
  }

  async updatePrivateKey(kid: string, privateJwk: StoredPrivateKey): Promise<boolean> {
    // simple-json is serialized by TypeORM's transformer for update() as for insert().
    const result = await this.repository.update({ kid }, { privateJwk: privateJwk as never });
    return result.affected === undefined ? true : result.affected > 0;
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
