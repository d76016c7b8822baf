import { Injectable } from '@nestjs/common';
import { nowMs } from '../common/time';
import { OAuthEvents, TokenRevocationReason } from '../events/oauth-events';
import type { OAuthToken } from '../storage/entities/oauth-token.entity';
import { TokenStore } from '../storage/stores/token.store';

/**
 * The module's own revocations (revocation endpoint, refresh token reuse, code replay), each
 * announced as a `token.revoked` event. Internal: hosts use TokenRevocationService.
 */
@Injectable()
export class TokenRevoker {
  constructor(
    private readonly tokens: TokenStore,
    private readonly events: OAuthEvents,
  ) {}

  /** Revokes one token row (an access token). */
  async revokeToken(row: OAuthToken, reason: TokenRevocationReason): Promise<void> {
    const count = await this.tokens.revoke({ id: row.id }, nowMs());
    this.events.emit({
      type: 'token.revoked',
      clientId: row.clientId,
      subject: row.subject,
      tokenId: row.id,
      reason,
      count,
    });
  }

  /**
   * Revokes a whole family (a refresh token and every access token of the authorization). A
   * family revoked because a refresh token was used twice includes what the winning refresh
   * just issued (the store runs it after the winner's spend-and-store).
   */
  async revokeFamily(
    row: Pick<OAuthToken, 'clientId' | 'subject' | 'familyId'>,
    reason: TokenRevocationReason,
  ): Promise<void> {
    const count = await this.tokens.revoke({ familyId: row.familyId }, nowMs());
    this.events.emit({
      type: 'token.revoked',
      clientId: row.clientId,
      subject: row.subject,
      familyId: row.familyId,
      reason,
      count,
    });
  }

  /**
   * Revokes every token issued from a replayed authorization code: refreshes carry
   * `origin_code_id` forward, so this is the code's whole family.
   */
  async revokeIssuedFromCode(code: {
    id: string;
    clientId: string;
    subject: string;
  }): Promise<void> {
    const count = await this.tokens.revoke({ originCodeId: code.id }, nowMs());
    this.events.emit({
      type: 'token.revoked',
      clientId: code.clientId,
      subject: code.subject,
      reason: 'authorization_code_replay',
      count,
    });
  }
}
