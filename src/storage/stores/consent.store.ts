import type { StoredAuthorizationDetail } from '../columns';
import type { OAuthConsent } from '../entities/oauth-consent.entity';

/** Remembered consent: one row per user and client. */
export abstract class ConsentStore {
  abstract find(subject: string, clientId: string): Promise<OAuthConsent | null>;
  /** Fails with a unique violation (see isUniqueViolation) when the pair has a row already. */
  abstract insert(row: OAuthConsent): Promise<void>;
  /** Replaces the consent's scopes and remembered authorization details. */
  abstract updateScopes(
    id: string,
    scopes: string[],
    at: number,
    authorizationDetails: StoredAuthorizationDetail[] | null,
  ): Promise<void>;
  /** A user's consents, most recently changed first. */
  abstract listForUser(subject: string): Promise<OAuthConsent[]>;
}
