import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, QueryFailedError } from 'typeorm';
import { nowMs } from '../common/time';
import { InjectOAuthDataSource } from '../oauth.constants';
import { LeanSql } from '../storage/lean-sql';
import { OAuthConsent } from './oauth-consent.entity';

/** Remembered consent: which scopes a user already granted to a client. */
@Injectable()
export class ConsentService {
  private readonly lean = LeanSql.for(this.dataSource);

  constructor(@InjectOAuthDataSource() private readonly dataSource: DataSource) {}

  private get repository() {
    return this.dataSource.getRepository(OAuthConsent);
  }

  /** True when the user already granted every one of `scopes` to the client. */
  async covers(subject: string, clientId: string, scopes: string[]): Promise<boolean> {
    const consent = this.lean
      ? await this.lean.table(OAuthConsent).findOne({ subject, clientId })
      : await this.repository.findOneBy({ subject, clientId });
    return !!consent && scopes.every((scope) => consent.scopes.includes(scope));
  }

  /** Adds `scopes` to what the user granted the client. */
  async grant(subject: string, clientId: string, scopes: string[]): Promise<void> {
    const existing = await this.repository.findOneBy({ subject, clientId });
    const now = nowMs();
    if (existing) {
      const merged = [...new Set([...existing.scopes, ...scopes])];
      await this.repository.update({ id: existing.id }, { scopes: merged, updatedAt: now });
      return;
    }
    try {
      await this.repository.insert({
        id: randomUUID(),
        subject,
        clientId,
        scopes,
        createdAt: now,
        updatedAt: now,
      });
    } catch (error) {
      // A concurrent grant inserted first: merge into it instead.
      if (error instanceof QueryFailedError) return this.grant(subject, clientId, scopes);
      throw error;
    }
  }

  /** The clients a user has granted access to. */
  listForUser(subject: string): Promise<OAuthConsent[]> {
    return this.repository.find({ where: { subject }, order: { updatedAt: 'DESC' } });
  }
}
