import { Injectable } from '@nestjs/common';
import { decodeJwt } from 'jose';
import { nowMs } from '../common/time';
import { OAuthException } from '../errors/oauth.exception';
import { OAuthEvents } from '../events/oauth-events';
import { isEchoableState } from '../interactions/authorization-request';
import { JwtVerifier } from '../keys/jwt-verifier.service';
import { InjectOAuthConfig } from '../oauth.constants';
import type { OAuthConfig } from '../options/oauth-config';
import type { SignedInUser } from '../options/resource-owner-provider.interface';
import type { OAuthClient } from '../storage/entities/oauth-client.entity';
import { ClientStore } from '../storage/stores/client.store';
import { ConsentStore } from '../storage/stores/consent.store';
import { TokenStore } from '../storage/stores/token.store';
import { TokenRevoker } from '../tokens/token-revoker.service';
import { BackchannelLogout, BackchannelTarget } from './backchannel-logout.service';

/** A validated end-session request (OpenID Connect RP-Initiated Logout §2). */
export interface EndSessionRequest {
  /** The client named by `client_id` or by the hint's `aud`, when it is registered. */
  client: OAuthClient | null;
  /** `sub` of a valid `id_token_hint`. */
  hintSubject?: string;
  /** Only when registered, exactly, for `client` (§3): otherwise no redirect at all. */
  postLogoutRedirectUri?: string;
  state?: string;
}

/** The parameters of §2 the module reads; `ui_locales` and `logout_hint` are accepted and unused. */
export type EndSessionParams = Partial<
  Record<'id_token_hint' | 'client_id' | 'post_logout_redirect_uri' | 'state', string>
>;

/**
 * RP-Initiated Logout and what a logout does: the host's `endSession`, the user's online
 * authorizations revoked (Back-Channel Logout §2.7, `logout.revokeTokens`), and every client
 * with a `backchannel_logout_uri` that the user has live tokens or remembered consent at told
 * through the back channel. Internal: the end-session endpoint drives it.
 */
@Injectable()
export class EndSessionService {
  constructor(
    @InjectOAuthConfig() private readonly config: OAuthConfig,
    private readonly clients: ClientStore,
    private readonly jwt: JwtVerifier,
    private readonly tokens: TokenStore,
    private readonly revoker: TokenRevoker,
    private readonly consents: ConsentStore,
    private readonly events: OAuthEvents,
    private readonly backchannel: BackchannelLogout,
  ) {}

  /** Checks the request; a bad one is `invalid_request` (shown to the user, never redirected). */
  async validate(params: EndSessionParams): Promise<EndSessionRequest> {
    // Echoed into the redirect's Location, like the authorization endpoint's.
    if (!isEchoableState(params.state)) throw OAuthException.invalidRequest('state is too long.');
    const hint = params.id_token_hint ? await this.verifyHint(params.id_token_hint) : undefined;
    if (hint && params.client_id !== undefined && !hint.audience.includes(params.client_id)) {
      // §2: the client_id must be the one the ID Token was issued to.
      throw OAuthException.invalidRequest('client_id does not match the id_token_hint.');
    }
    let client: OAuthClient | null = null;
    if (params.client_id !== undefined) {
      client = await this.clients.find(params.client_id);
      if (!client) throw OAuthException.invalidRequest('Unknown client_id.');
    } else if (hint?.audience.length === 1) {
      // A client deleted since it got the ID Token: the logout goes on, without a redirect.
      client = await this.clients.find(hint.audience[0]);
    }
    const wanted = params.post_logout_redirect_uri;
    const registered = client?.postLogoutRedirectUris ?? [];
    return {
      client,
      hintSubject: hint?.subject,
      // §3: exactly one of the client's registered values, or no redirect.
      postLogoutRedirectUri:
        wanted !== undefined && registered.includes(wanted) ? wanted : undefined,
      state: params.state,
    };
  }

  /** Where the browser goes after the logout: the post-logout redirect URI with `state`, or null. */
  redirectUrl(request: EndSessionRequest): string | null {
    if (!request.postLogoutRedirectUri) return null;
    const url = new URL(request.postLogoutRedirectUri);
    if (request.state !== undefined) url.searchParams.append('state', request.state);
    return url.href;
  }

  /**
   * Signs `user` out: the host ends its session (adding its cookie changes to `response`), the
   * user's online tokens are revoked, and the clients are told in the background.
   */
  async logOut(
    request: unknown,
    response: unknown,
    user: SignedInUser,
    clientId?: string,
  ): Promise<void> {
    await this.config.resourceOwner!.endSession!(request, response, user);
    const [families, consents] = await Promise.all([
      this.tokens.listLiveFamilies(user.id, nowMs()),
      this.consents.listForUser(user.id),
    ]);
    const clientIds = new Set([
      ...families.map((family) => family.clientId),
      ...consents.map((consent) => consent.clientId),
    ]);
    if (this.config.logout.revokeTokens === 'online') {
      for (const family of families) {
        if (family.scopes.includes('offline_access')) continue;
        await this.revoker.revokeFamily({ ...family, subject: user.id }, 'logout');
      }
    }
    this.events.emit({
      type: 'session.ended',
      subject: user.id,
      ...(clientId ? { clientId } : {}),
    });
    const clients = await Promise.all([...clientIds].map((id) => this.clients.find(id)));
    const targets: BackchannelTarget[] = clients.flatMap((client) =>
      client?.backchannelLogoutUri
        ? [{ clientId: client.clientId, uri: client.backchannelLogoutUri }]
        : [],
    );
    this.backchannel.notify(targets, user.id);
  }

  /**
   * §2: an ID Token we issued (our key, our `iss`, `typ` JWT), accepted after its `exp` too: it
   * only says who the client and the user are; the user still confirms the logout.
   */
  private async verifyHint(token: string): Promise<{ subject: string; audience: string[] }> {
    const invalid = () =>
      OAuthException.invalidRequest('The id_token_hint is not an ID Token of this server.');
    let exp: unknown;
    try {
      exp = decodeJwt(token).exp;
    } catch {
      throw invalid();
    }
    const now = nowMs();
    const result = await this.jwt.verify(token, {
      issuer: this.config.issuer,
      typ: 'JWT',
      // Expired ID Tokens are accepted: verify as of just before their expiry.
      currentDate:
        typeof exp === 'number' && exp * 1000 <= now ? new Date(exp * 1000 - 1000) : undefined,
    });
    if ('failure' in result) throw invalid();
    const { sub, aud } = result.payload;
    const audience = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud : [];
    if (typeof sub !== 'string' || audience.length === 0) throw invalid();
    return { subject: sub, audience };
  }
}
