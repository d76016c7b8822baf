import { Injectable } from '@nestjs/common';
import { DataSource, In, IsNull, LessThan, MoreThan } from 'typeorm';
import { InjectOAuthDataSource } from '../../oauth.constants';
import { OAuthInteraction } from '../entities/oauth-interaction.entity';
import { InteractionStore } from '../stores/interaction.store';

/** InteractionStore on TypeORM's public API only, so it runs on any database TypeORM supports. */
@Injectable()
export class TypeOrmInteractionStore extends InteractionStore {
  constructor(@InjectOAuthDataSource() private readonly dataSource: DataSource) {
    super();
  }

  private get repository() {
    return this.dataSource.getRepository(OAuthInteraction);
  }

  async insert(row: OAuthInteraction): Promise<void> {
    await this.repository.insert(row);
  }

  findPending(id: string, now: number): Promise<OAuthInteraction | null> {
    return this.repository.findOneBy({ id, consumedAt: IsNull(), expiresAt: MoreThan(now) });
  }

  async setSubject(id: string, subject: string): Promise<void> {
    await this.repository.update({ id }, { subject });
  }

  /** UPDATE ... WHERE id = ? AND browser_binding_hash = ? AND consumed_at IS NULL AND expires_at > ?. */
  async rebind(id: string, fromHash: string, toHash: string, now: number): Promise<boolean> {
    const result = await this.repository.update(
      { id, browserBindingHash: fromHash, consumedAt: IsNull(), expiresAt: MoreThan(now) },
      { browserBindingHash: toHash },
    );
    return result.affected === 1;
  }

  /** UPDATE ... WHERE id = ? AND consumed_at IS NULL: the database picks the one winner. */
  async consume(id: string, at: number): Promise<boolean> {
    const result = await this.repository.update({ id, consumedAt: IsNull() }, { consumedAt: at });
    return result.affected === 1;
  }

  /**
   * Selects the ids first, then deletes by id: DELETE ... LIMIT is not portable. The delete
   * repeats the expiry condition, so it never removes a row the select did not mean.
   */
  async deleteExpired(now: number, batchSize: number): Promise<number> {
    const rows = await this.repository.find({
      select: { id: true },
      where: { expiresAt: LessThan(now) },
      take: batchSize,
    });
    if (rows.length === 0) return 0;
    const result = await this.repository.delete({
      id: In(rows.map((row) => row.id)),
      expiresAt: LessThan(now),
    });
    return result.affected ?? rows.length;
  }
}
