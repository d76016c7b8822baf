import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { isUniqueViolation } from '../storage/unique-violation';
import { nowMs } from '../common/time';
import { InjectOAuthDataSource } from '../oauth.constants';
import { LeanSql } from '../storage/lean-sql';
import { OAuthConsent } from '../storage/entities/oauth-consent.entity';

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
    if (await this.mergeIntoExisting(subject, clientId, scopes)) return;
    const now = nowMs();
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
      // A concurrent grant inserted first: merge into it instead. Any other failure (no row
      // appeared) stands; retrying it would never end.
      if (isUniqueViolation(error) && (await this.mergeIntoExisting(subject, clientId, scopes)))
        return;
      throw error;
    }
  }

  /** Adds `scopes` to the user's existing consent for the client; false when there is none. */
  private async mergeIntoExisting(
    subject: string,
    clientId: string,
    scopes: string[],
  ): Promise<boolean> {
    const existing = await this.repository.findOneBy({ subject, clientId });
    if (!existing) return false;
    const merged = [...new Set([...existing.scopes, ...scopes])];
    await this.repository.update({ id: existing.id }, { scopes: merged, updatedAt: nowMs() });
    return true;
  }

  /** The clients a user has granted access to. */
  listForUser(subject: string): Promise<OAuthConsent[]> {
    return this.repository.find({ where: { subject }, order: { updatedAt: 'DESC' } });
  }
}
