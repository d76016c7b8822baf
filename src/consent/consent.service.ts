import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { nowMs } from '../common/time';
import { ConsentStore } from '../storage/stores/consent.store';
import { isUniqueViolation } from '../storage/unique-violation';

/** What a user granted one client (remembered consent). */
export interface GrantedConsent {
  subject: string;
  clientId: string;
  scopes: string[];
  /** Epoch milliseconds. */
  createdAt: number;
  /** Epoch milliseconds: when scopes were last added. */
  updatedAt: number;
}

/** Remembered consent: which scopes a user already granted to a client. */
@Injectable()
export class ConsentService {
  /** @internal Nest constructs it with internal services: inject it instead. */
  constructor(private readonly store: ConsentStore) {}

  /** True when the user already granted every one of `scopes` to the client. */
  async covers(subject: string, clientId: string, scopes: string[]): Promise<boolean> {
    const consent = await this.store.find(subject, clientId);
    return !!consent && scopes.every((scope) => consent.scopes.includes(scope));
  }

  /** Adds `scopes` to what the user granted the client. */
  async grant(subject: string, clientId: string, scopes: string[]): Promise<void> {
    if (await this.mergeIntoExisting(subject, clientId, scopes)) return;
    const now = nowMs();
    try {
      await this.store.insert({
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
    const existing = await this.store.find(subject, clientId);
    if (!existing) return false;
    const merged = [...new Set([...existing.scopes, ...scopes])];
    await this.store.updateScopes(existing.id, merged, nowMs());
    return true;
  }

  /** The clients a user has granted access to. */
  async listForUser(subject: string): Promise<GrantedConsent[]> {
    return (await this.store.listForUser(subject)).map(
      ({ subject, clientId, scopes, createdAt, updatedAt }) => ({
        subject,
        clientId,
        scopes,
        createdAt,
        updatedAt,
      }),
    );
  }
}
