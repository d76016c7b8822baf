import type { OAuthAuthorizationCode } from '../entities/oauth-authorization-code.entity';

/** Authorization codes, stored by hash. Spending one together with its tokens is TokenStore's. */
export abstract class AuthorizationCodeStore {
  abstract insert(row: OAuthAuthorizationCode): Promise<void>;
  abstract findByCodeHash(hash: string): Promise<OAuthAuthorizationCode | null>;
  /** Marks the code used, atomically; false when it was used before (a replay). */
  abstract consume(id: string, at: number): Promise<boolean>;
  /** Deletes at most `batchSize` expired codes; returns how many. */
  abstract deleteExpired(now: number, batchSize: number): Promise<number>;
}
