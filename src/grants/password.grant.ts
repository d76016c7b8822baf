import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { nowSeconds } from '../common/time';
import { OAuthException } from '../errors/oauth.exception';
import { addressNetworkOf, clientAddressOf } from '../http/client-address';
import { AttemptLimiter, AttemptParty, CountedAttempt } from '../limits/attempt-limiter.service';
import { InjectOAuthConfig } from '../oauth.constants';
import type { OAuthConfig } from '../options/oauth-config';
import type { ResourceOwner } from '../options/resource-owner-provider.interface';
import { IdTokenService } from '../tokens/id-token.service';
import { TokenFactory } from '../tokens/token-factory.service';
import type { TokenResponse } from '../tokens/token-response';
import type { OAuthGrantHandler, TokenRequest } from './oauth-grant.interface';
import { refuseAuthorizationDetails } from './authorization-details-request';
import { mayIssueRefreshToken } from './refresh-eligibility';
import { audienceFor } from './resource-indicator';
import { grantableScopes } from './scope-policy';
import { TokenRequestPolicy } from './token-request-policy.service';

/**
 * RFC 6749 §4.3, opt-in and legacy (RFC 9700 §2.4: MUST NOT be used; it exists for first-party
 * apps migrating away from it). Only first-party clients, a flag only the host sets; the host's
 * `verifyPassword` checks the credentials; failures are limited per username and per client
 * (from one network), and the error says how long to wait. A refused attempt while waiting is refused without
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
    refuseAuthorizationDetails(params, 'the password grant');
    const scopes = grantableScopes(params.scope, client, this.config, true);
    const attempt = await this.limiter.attempt(
      this.partiesOf(params.username, client.clientId, clientAddressOf(request.request.raw)),
    );
    if (!attempt.allowed) throw waitError('Too many failed attempts:', attempt.wait);
    const user = await this.verifyPassword(params.username, params.password, attempt);
    if (!user) {
      const wrong = 'The username or password is not correct.';
      throw attempt.waitIfWrong > 0
        ? waitError(`${wrong} Too many failed attempts:`, attempt.waitIfWrong)
        : OAuthException.invalidGrant(wrong);
    }
    await attempt.succeeded();
    // A password checked by the client is no sign-in at any level: scopes needing one are refused.
    await this.policy.check(request, { scopes }, user.id, { acr: null });
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

  /** The host's check; an attempt it could not judge (it threw) is not held against anyone. */
  private async verifyPassword(
    username: string,
    password: string,
    attempt: CountedAttempt,
  ): Promise<ResourceOwner | null> {
    try {
      return await this.config.resourceOwner!.verifyPassword!(username, password);
    } catch (error) {
      await attempt.withdraw();
      throw error;
    }
  }

  /**
   * The username (case-insensitively: a lock must not be dodged by case), and the client from
   * the caller's network: a first-party app is public, so anyone may use its client_id, and a
   * per-client count alone would let one attacker lock every user of the app out.
   */
  private partiesOf(username: string, clientId: string, address: string): AttemptParty[] {
    const { maxFailuresPerUser, maxFailuresPerClient } = this.config.passwordGrant;
    return [
      {
        kind: 'password-user',
        party: username.toLowerCase(),
        maxFailures: maxFailuresPerUser,
        forgetsOnSuccess: true,
      },
      {
        kind: 'password-client',
        party: `${clientId}\n${addressNetworkOf(address)}`,
        maxFailures: maxFailuresPerClient,
        forgetsOnSuccess: false,
      },
    ];
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
