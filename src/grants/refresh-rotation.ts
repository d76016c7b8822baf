import { Injectable } from '@nestjs/common';
import type { ClientView } from '../clients/client.service';
import { secondsToMs } from '../common/time';
import { InjectOAuthConfig } from '../oauth.constants';
import type { OAuthConfig } from '../options/oauth-config';
import type { OAuthToken } from '../storage/entities/oauth-token.entity';
import { TokenStore } from '../storage/stores/token.store';

/**
 * What presenting a refresh token spends:
 * - `rotate`: the presented row's unused refresh token (RFC 9700 §4.14.2);
 * - `retry`: the presented token was used, but within the retry window and its successor (the
 *   row its rotation issued) is unused: the successor is spent and revoked in its place;
 * - `reuse`: nothing; the token was used before, so the family is revoked.
 * The store decides the race (the spend is conditional); this is the decision before it.
 */
export type RefreshSpend =
  { kind: 'rotate'; row: OAuthToken } | { kind: 'retry'; row: OAuthToken } | { kind: 'reuse' };

/**
 * The rotation rules of the refresh grant, in one place: whose refresh tokens rotate
 * (`refreshTokenRotation`), and the retry window (`refreshTokenReuseInterval`) for a response
 * lost after the rotation was stored (instance killed, dropped connection, load-balancer
 * timeout).
 *
 * The window is bounded three ways: it counts from the rotation, not from the retry; only the
 * immediate successor can be superseded, and only while unused (so an older token of the chain
 * never is); and a successor is superseded once (a retry spends it), so a second retry is reuse.
 */
@Injectable()
export class RefreshRotation {
  constructor(
    @InjectOAuthConfig() private readonly config: OAuthConfig,
    private readonly tokens: TokenStore,
  ) {}

  /** Does a refresh by `client` rotate its refresh token? */
  rotates(client: Pick<ClientView, 'clientType'>): boolean {
    const policy = this.config.refreshTokenRotation;
    return policy === 'always' || (policy === 'public-clients' && client.clientType === 'public');
  }

  /** What presenting `presented` (the client's own, unexpired row) spends at `now` (epoch ms). */
  async spendFor(presented: OAuthToken, now: number): Promise<RefreshSpend> {
    if (presented.refreshConsumedAt === null) return { kind: 'rotate', row: presented };
    const successor = await this.retryableSuccessor(presented, presented.refreshConsumedAt, now);
    return successor ? { kind: 'retry', row: successor } : { kind: 'reuse' };
  }

  /** The unused successor of a used token presented again within the window, else null. */
  private async retryableSuccessor(
    presented: OAuthToken,
    consumedAt: number,
    now: number,
  ): Promise<OAuthToken | null> {
    if (presented.revokedAt !== null) return null;
    if (now >= consumedAt + secondsToMs(this.config.refreshTokenReuseInterval)) return null;
    const successor = await this.tokens.findRefreshSuccessor(presented);
    if (!successor || successor.clientId !== presented.clientId) return null;
    if (successor.refreshConsumedAt !== null || successor.revokedAt !== null) return null;
    return successor;
  }
}
