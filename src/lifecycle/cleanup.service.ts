import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import {
  Brackets,
  DataSource,
  EntityTarget,
  LessThan,
  ObjectLiteral,
  SelectQueryBuilder,
} from 'typeorm';
import { OAuthClientAssertion } from '../storage/entities/oauth-client-assertion.entity';
import { OAuthAuthorizationCode } from '../storage/entities/oauth-authorization-code.entity';
import { nowMs, secondsToMs } from '../common/time';
import { OAuthInteraction } from '../storage/entities/oauth-interaction.entity';
import { InjectOAuthConfig, InjectOAuthDataSource } from '../oauth.constants';
import type { OAuthConfig } from '../options/oauth-config';
import { OAuthToken } from '../storage/entities/oauth-token.entity';

export interface CleanupReport {
  codes: number;
  tokens: number;
  interactions: number;
  clientAssertions: number;
}

const BATCH_SIZE = 500;

type QueryBuilder = SelectQueryBuilder<ObjectLiteral>;

/**
 * Deletes what can no longer be used: expired codes, interactions and assertion records, and
 * token rows whose access token AND refresh family have expired (consumed refresh rows are kept
 * until then: they are how reuse is detected). Deletes in small batches by primary key, so it
 * never holds long locks, and is idempotent, so several instances may run it at once.
 */
@Injectable()
export class CleanupService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('OAuthCleanup');
  private timer?: NodeJS.Timeout;

  constructor(
    @InjectOAuthConfig() private readonly config: OAuthConfig,
    @InjectOAuthDataSource() private readonly dataSource: DataSource,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.cleanup.enabled) return;
    this.timer = setInterval(() => {
      this.run().catch((error) => this.logger.warn(`Cleanup failed: ${(error as Error).message}`));
    }, secondsToMs(this.config.cleanup.interval));
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  async run(now = nowMs()): Promise<CleanupReport> {
    const expired = (qb: QueryBuilder) => qb.where({ expiresAt: LessThan(now) });
    return {
      codes: await this.deleteInBatches(OAuthAuthorizationCode, expired),
      interactions: await this.deleteInBatches(OAuthInteraction, expired),
      clientAssertions: await this.deleteInBatches(OAuthClientAssertion, expired),
      // A token row goes when its access token and its refresh family have both expired.
      tokens: await this.deleteInBatches(OAuthToken, (qb) =>
        expired(qb).andWhere(
          new Brackets((inner) =>
            inner
              .where('row.refresh_expires_at IS NULL')
              .orWhere('row.refresh_expires_at < :now', { now }),
          ),
        ),
      ),
    };
  }

  /** Deletes the rows `filter` selects, BATCH_SIZE primary keys at a time. */
  private async deleteInBatches(
    entity: EntityTarget<ObjectLiteral>,
    filter: (qb: QueryBuilder) => QueryBuilder,
  ): Promise<number> {
    let deleted = 0;
    for (;;) {
      const rows = await filter(this.dataSource.getRepository(entity).createQueryBuilder('row'))
        .select('row.id', 'id')
        .limit(BATCH_SIZE)
        .getRawMany<{ id: string }>();
      if (rows.length === 0) return deleted;
      const result = await this.dataSource
        .createQueryBuilder()
        .delete()
        .from(entity)
        .whereInIds(rows.map((row) => row.id))
        .execute();
      deleted += result.affected ?? rows.length;
      if (rows.length < BATCH_SIZE) return deleted;
    }
  }
}
