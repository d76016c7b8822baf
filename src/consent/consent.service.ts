import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { nowMs } from '../common/time';
import { ConsentStore } from '../storage/stores/consent.store';
import { isUniqueViolation } from '../storage/unique-violation';
import { InjectOAuthConfig } from '../oauth.constants';
import type { OAuthConfig } from '../options/oauth-config';
import type { AuthorizationDetail } from '../options/authorization-detail-type';
import {
  consentCoversDetails,
  mergeDetails,
  reusableDetails,
} from '../authorization-details/authorization-details';

/** What a user granted one client (remembered consent). */
export interface GrantedConsent {
  subject: string;
  clientId: string;
  scopes: string[];
  /** Epoch milliseconds. */
  createdAt: number;
  /** Epoch milliseconds: when scopes were last added. */
  updatedAt: number;
  /** RFC 9396 details of reusable types the user granted (one-off details are never kept). */
  authorizationDetails: AuthorizationDetail[];
}

/** Remembered consent: which scopes a user already granted to a client. */
@Injectable()
export class ConsentService {
  /** @internal Nest constructs it with internal services: inject it instead. */
  constructor(
    private readonly store: ConsentStore,
    @InjectOAuthConfig() private readonly config: OAuthConfig,
  ) {}

  /**
   * True when the user already granted every one of `scopes` to the client, and every one of
   * `authorizationDetails` (RFC 9396): only details of reusable types can be covered, by an equal
   * (or, with the type's `narrows`, a wider) remembered detail.
   */
  async covers(
    subject: string,
    clientId: string,
    scopes: string[],
    authorizationDetails?: AuthorizationDetail[],
  ): Promise<boolean> {
    const consent = await this.store.find(subject, clientId);
    return (
      !!consent &&
      scopes.every((scope) => consent.scopes.includes(scope)) &&
      consentCoversDetails(authorizationDetails, consent.authorizationDetails, this.config)
    );
  }

  /**
   * Adds `scopes` to what the user granted the client, and those of `authorizationDetails`
   * whose type is reusable (a one-off detail, such as a payment, is approved once and never
   * remembered).
   */
  async grant(
    subject: string,
    clientId: string,
    scopes: string[],
    authorizationDetails?: AuthorizationDetail[],
  ): Promise<void> {
    const details = reusableDetails(authorizationDetails, this.config);
    if (await this.mergeIntoExisting(subject, clientId, scopes, details)) return;
    const now = nowMs();
    try {
      await this.store.insert({
        id: randomUUID(),
        subject,
        clientId,
        scopes,
        authorizationDetails: details.length > 0 ? details : null,
        createdAt: now,
        updatedAt: now,
      });
    } catch (error) {
      // A concurrent grant inserted first: merge into it instead. Any other failure (no row
      // appeared) stands; retrying it would never end.
      if (
        isUniqueViolation(error) &&
        (await this.mergeIntoExisting(subject, clientId, scopes, details))
      )
        return;
      throw error;
    }
  }

  /** Adds `scopes` to the user's existing consent for the client; false when there is none. */
  private async mergeIntoExisting(
    subject: string,
    clientId: string,
    scopes: string[],
    details: AuthorizationDetail[],
  ): Promise<boolean> {
    const existing = await this.store.find(subject, clientId);
    if (!existing) return false;
    const merged = [...new Set([...existing.scopes, ...scopes])];
    const mergedDetails = mergeDetails(existing.authorizationDetails, details);
    await this.store.updateScopes(
      existing.id,
      merged,
      nowMs(),
      mergedDetails.length > 0 ? mergedDetails : null,
    );
    return true;
  }

  /** The clients a user has granted access to. */
  async listForUser(subject: string): Promise<GrantedConsent[]> {
    return (await this.store.listForUser(subject)).map(
      ({ subject, clientId, scopes, authorizationDetails, createdAt, updatedAt }) => ({
        subject,
        clientId,
        scopes,
        createdAt,
        updatedAt,
        authorizationDetails: authorizationDetails ?? [],
      }),
    );
  }
}
