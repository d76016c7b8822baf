import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { nowSeconds } from '../common/time';
import { OAuthException } from '../errors/oauth.exception';
import { AttemptLimiter, AttemptParty } from '../limits/attempt-limiter.service';
import { InjectOAuthConfig } from '../oauth.constants';
import type { OAuthConfig } from '../options/oauth-config';
import { IdTokenService } from '../tokens/id-token.service';
import { TokenFactory } from '../tokens/token-factory.service';
import type { TokenResponse } from '../tokens/token-response';
import type { OAuthGrantHandler, TokenRequest } from './oauth-grant.interface';
import { mayIssueRefreshToken } from './refresh-eligibility';
import { audienceFor } from './resource-indicator';
import { grantableScopes } from './scope-policy';
import { TokenRequestPolicy } from './token-request-policy.service';

/**
 * RFC 6749 §4.3, opt-in and legacy (RFC 9700 §2.4: MUST NOT be used; it exists for first-party
 * apps migrating away from it). Only first-party clients, a flag only the host sets; the host's
 * `verifyPassword` checks the credentials; failures are limited per username and per client,
 * and the error says how long to wait. A refused attempt while waiting is refused without
 * checking the password, so guessing cannot go on at full speed.
 */
@Injectable()
export class PasswordGrant implements OAuthGrantHandler, OnApplicationBootstrap {
  /** First-party native apps are public clients; the per-client limit covers their client_id. */
  readonly allowsPublicClients = true;
  private readonly logger = new Logger('OAuth');

  constructor(
    @InjectOAuthConfig() private readonly config: OAuthConfig,
    private readonly limiter: AttemptLimiter,
    private readonly factory: TokenFactory,
    private readonly idTokens: IdTokenService,
    private readonly policy: TokenRequestPolicy,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.grantTypes.includes('password')) return;
    this.logger.warn(
      'The password grant is enabled. It is legacy: RFC 9700 §2.4 says it MUST NOT be used, ' +
        'because the client handles the password and no second factor fits in it. Move ' +
        'first-party apps to the authorization code flow with PKCE (or the device flow for ' +
        'devices without a browser) and remove "password" from grantTypes.',
    );
  }

  async handle(request: TokenRequest): Promise<TokenResponse> {
    const { params, client } = request;
    if (!client.firstParty) {
      throw OAuthException.unauthorizedClient(
        'Only first-party clients may use the password grant.',
      );
    }
    if (!params.username || !params.password) {
      throw OAuthException.invalidRequest('username and password are required.');
    }
    const scopes = grantableScopes(params.scope, client, this.config, true);
    const parties = this.partiesOf(params.username, client.clientId);
    await this.refuseWhileWaiting(parties);
    const user = await this.config.resourceOwner!.verifyPassword!(params.username, params.password);
    if (!user) {
      const wrong = 'The username or password is not correct.';
      const waits = await Promise.all(parties.map((party) => this.limiter.fail(party)));
      const wait = Math.max(...waits);
      throw wait > 0
        ? waitError(`${wrong} Too many failed attempts:`, wait)
        : OAuthException.invalidGrant(wrong);
    }
    await this.limiter.succeed(parties[0]);
    // A password checked by the client is no sign-in at any level: scopes needing one are refused.
    await this.policy.check(request, scopes, user.id, { acr: null });
    const authTime = nowSeconds();
    const { response } = await this.factory.store(
      await this.factory.prepare({
        clientId: client.clientId,
        subject: user.id,
        scopes,
        grantType: 'password',
        audience: audienceFor(params.resource, this.config),
        withRefreshToken: mayIssueRefreshToken(this.config, client.grantTypes, scopes),
        authTime,
        dpopJkt: request.dpop?.jkt,
      }),
    );
    if (scopes.includes('openid')) {
      response.id_token = await this.idTokens.sign({
        clientId: client.clientId,
        subject: user.id,
        accessToken: response.access_token,
        authTime,
      });
    }
    return response;
  }

  /** The username (case-insensitively: a lock must not be dodged by case) and the client. */
  private partiesOf(username: string, clientId: string): AttemptParty[] {
    const { maxFailuresPerUser, maxFailuresPerClient } = this.config.passwordGrant;
    return [
      { kind: 'password-user', party: username.toLowerCase(), maxFailures: maxFailuresPerUser },
      { kind: 'password-client', party: clientId, maxFailures: maxFailuresPerClient },
    ];
  }

  /** Refuses the attempt, unchecked, while the user or the client must wait. */
  private async refuseWhileWaiting(parties: AttemptParty[]): Promise<void> {
    const wait = Math.max(...(await Promise.all(parties.map((p) => this.limiter.waitFor(p)))));
    if (wait > 0) throw waitError('Too many failed attempts:', wait);
  }
}

/** `invalid_grant` saying how long to wait: in the text, `retry_after` and Retry-After. */
function waitError(reason: string, wait: number): OAuthException {
  return new OAuthException(
    'invalid_grant',
    `${reason} try again in ${wait} seconds.`,
    400,
    { 'Retry-After': String(wait) },
    { retry_after: wait },
  );
}
