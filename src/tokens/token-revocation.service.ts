import { Injectable } from '@nestjs/common';
import { nowMs } from '../common/time';
import { OAuthEvents, TokenRevocationReason } from '../events/oauth-events';
import { GrantOwner, TokenStore } from '../storage/stores/token.store';

/**
 * Revocation for hosts: everything of a user (e.g. the account is closed), of a client, or of a
 * user at one client (the user withdraws consent). Remembered consent and unused codes go too.
 */
@Injectable()
export class TokenRevocationService {
  /** @internal Nest constructs it with internal services: inject it instead. */
  constructor(
    private readonly tokens: TokenStore,
    private readonly events: OAuthEvents,
  ) {}

  /** Everything issued to a user, at every client. Returns how many tokens were revoked. */
  revokeAllForUser(subject: string): Promise<number> {
    return this.revokeGrants({ subject }, 'user');
  }

  /** Everything a client holds, for users or for itself. */
  revokeAllForClient(clientId: string): Promise<number> {
    return this.revokeGrants({ clientId }, 'client');
  }

  /** What a user granted one client: tokens, codes and remembered consent. */
  revokeUserAtClient(subject: string, clientId: string): Promise<number> {
    return this.revokeGrants({ subject, clientId }, 'user_at_client');
  }

  private async revokeGrants(owner: GrantOwner, reason: TokenRevocationReason): Promise<number> {
    const count = await this.tokens.revokeGrants(owner, nowMs());
    this.events.emit({ type: 'token.revoked', ...owner, reason, count });
    return count;
  }
}
