import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager, IsNull } from 'typeorm';
import { OAuthAuthorizationCode } from '../storage/entities/oauth-authorization-code.entity';
import { OAuthConsent } from '../storage/entities/oauth-consent.entity';
import { OAuthEvents, TokenRevocationReason } from '../events/oauth-events';
import { InjectOAuthDataSource } from '../oauth.constants';
import { inTransaction } from '../storage/transaction';
import { OAuthToken } from '../storage/entities/oauth-token.entity';
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
    const count = await this.tokens.revokeWhere({ id: row.id });
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
   * Revokes a whole family (a refresh token and every access token of the authorization).
   * Queued like the grants' transactions, so a family revoked because a refresh token was used
   * twice includes what the winning refresh just issued.
   */
  async revokeFamily(
    row: Pick<OAuthToken, 'clientId' | 'subject' | 'familyId'>,
    reason: TokenRevocationReason,
  ): Promise<void> {
    const count = await inTransaction(this.dataSource, (manager) =>
      this.tokens.revokeFamily(row.familyId, manager),
    );
    this.events.emit({
      type: 'token.revoked',
      clientId: row.clientId,
      subject: row.subject,
      familyId: row.familyId,
      reason,
      count,
    });
  }

  /** Revokes every token issued from a replayed authorization code. */
  async revokeIssuedFromCode(code: {
    id: string;
    clientId: string;
    subject: string;
  }): Promise<void> {
    const count = await inTransaction(this.dataSource, (manager) =>
      this.tokens.revokeIssuedFromCode(code.id, manager),
    );
    this.events.emit({
      type: 'token.revoked',
      clientId: code.clientId,
      subject: code.subject,
      reason: 'authorization_code_replay',
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
    const count = await inTransaction(this.dataSource, (manager) =>
      this.revokeAndForget(manager, where),
    );
    this.events.emit({ type: 'token.revoked', ...where, reason, count });
    return count;
  }

  /**
   * Inside the caller's transaction: revokes the matching tokens, deletes unused codes and
   * forgets remembered consent. Returns how many tokens were revoked. The caller emits the event.
   */
  async revokeAndForget(
    manager: EntityManager,
    where: { subject?: string; clientId?: string },
  ): Promise<number> {
    const count = await this.tokens.revokeWhere(where, manager);
    await manager.delete(OAuthAuthorizationCode, { ...where, consumedAt: IsNull() });
    await manager.delete(OAuthConsent, where);
    return count;
  }
}
