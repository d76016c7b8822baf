import { Injectable } from '@nestjs/common';
import { DataSource, IsNull } from 'typeorm';
import { OAuthAuthorizationCode } from '../codes/oauth-authorization-code.entity';
import { nowMs } from '../common/time';
import { OAuthConsent } from '../consent/oauth-consent.entity';
import { OAuthEvents, TokenRevocationReason } from '../events/oauth-events';
import { InjectOAuthDataSource } from '../oauth.constants';
import { inTransaction } from '../storage/transaction';
import { OAuthToken } from './oauth-token.entity';
import { TokenRepository } from './token.repository';

/**
 * Revocation for hosts: everything of a user (e.g. the account is closed), of a client, or of a
 * user at one client (the user withdraws consent). Remembered consent and unused codes go too.
 */
@Injectable()
export class TokenRevocationService {
  constructor(
    @InjectOAuthDataSource() private readonly dataSource: DataSource,
    private readonly tokens: TokenRepository,
    private readonly events: OAuthEvents,
  ) {}

  /** Revokes one token row (an access token). */
  async revokeToken(row: OAuthToken, reason: TokenRevocationReason): Promise<void> {
    const result = await this.dataSource.manager.update(
      OAuthToken,
      { id: row.id, revokedAt: IsNull() },
      { revokedAt: nowMs() },
    );
    this.events.emit({
      type: 'token.revoked',
      clientId: row.clientId,
      subject: row.subject,
      tokenId: row.id,
      reason,
      count: result.affected ?? 0,
    });
  }

  /** Revokes a whole family (a refresh token and every access token of the authorization). */
  async revokeFamily(row: OAuthToken, reason: TokenRevocationReason): Promise<void> {
    const count = await this.tokens.revokeFamily(row.familyId);
    this.events.emit({
      type: 'token.revoked',
      clientId: row.clientId,
      subject: row.subject,
      familyId: row.familyId,
      reason,
      count,
    });
  }

  /** Everything issued to a user, at every client. Returns how many tokens were revoked. */
  revokeAllForUser(subject: string): Promise<number> {
    return this.revokeWhere({ subject }, 'user');
  }

  /** Everything a client holds, for users or for itself. */
  revokeAllForClient(clientId: string): Promise<number> {
    return this.revokeWhere({ clientId }, 'client');
  }

  /** What a user granted one client: tokens, codes and remembered consent. */
  revokeUserAtClient(subject: string, clientId: string): Promise<number> {
    return this.revokeWhere({ subject, clientId }, 'user_at_client');
  }

  private async revokeWhere(
    where: { subject?: string; clientId?: string },
    reason: TokenRevocationReason,
  ): Promise<number> {
    const count = await inTransaction(this.dataSource, async (manager) => {
      const result = await manager.update(
        OAuthToken,
        { ...where, revokedAt: IsNull() },
        { revokedAt: nowMs() },
      );
      await manager.delete(OAuthAuthorizationCode, { ...where, consumedAt: IsNull() });
      await manager.delete(OAuthConsent, where);
      return result.affected ?? 0;
    });
    this.events.emit({ type: 'token.revoked', ...where, reason, count });
    return count;
  }
}
