import { Injectable } from '@nestjs/common';
import type { TokenGrantDecision } from './token-grant-decision';
import { TokenFactory } from './token-factory.service';
import type { TokenResponse } from './token-response';

/** What `TokenIssuer.issue` returns: the token response, and the ids that events report. */
export interface IssuedTokens {
  response: TokenResponse;
  /** The access token's `jti` (its row id). */
  tokenId: string;
  /** The authorization the tokens belong to: revoking it revokes them all. */
  familyId: string;
}

/**
 * Issues access (RFC 9068 JWT or opaque) and refresh tokens for a grant's decision and stores
 * them. For hosts' own grants (`@OAuthGrant`); the module's grants use the same machinery.
 */
@Injectable()
export class TokenIssuer {
  /** @internal Nest constructs it with internal services: inject it instead. */
  constructor(private readonly factory: TokenFactory) {}

  async issue(decision: TokenGrantDecision): Promise<IssuedTokens> {
    const { response, row } = await this.factory.store(await this.factory.prepare(decision));
    return { response, tokenId: row.id, familyId: row.familyId };
  }
}
