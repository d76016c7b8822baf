import { Injectable } from '@nestjs/common';
import { sha256 } from '../common/crypto';
import { nowMs, secondsToMs } from '../common/time';
import { OAuthException } from '../errors/oauth.exception';
import { InjectOAuthConfig } from '../oauth.constants';
import type { OAuthConfig } from '../options/oauth-config';
import { DEVICE_CODE_GRANT } from '../options/grant-types';
import type { OAuthDeviceAuthorization } from '../storage/entities/oauth-device-authorization.entity';
import { DeviceAuthorizationStore } from '../storage/stores/device-authorization.store';
import { IdTokenService } from '../tokens/id-token.service';
import { TokenFactory } from '../tokens/token-factory.service';
import type { TokenResponse } from '../tokens/token-response';
import type { OAuthGrantHandler, TokenRequest } from './oauth-grant.interface';
import { mayIssueRefreshToken } from './refresh-eligibility';
import { audienceFor } from './resource-indicator';
import { TokenRequestPolicy } from './token-request-policy.service';

/** RFC 8628 §3.5: each slow_down adds this many seconds to the interval. */
const SLOW_DOWN_STEP = 5;
/** A poll this early (a share of the interval) still counts as on time: network jitter. */
const POLL_TOLERANCE = 0.1;

/**
 * RFC 8628 §3.4-3.5: the device polls with its device code until the user decides. Answers
 * `authorization_pending` (with `status: "pending"`), `slow_down` when it polls faster than its
 * interval (which then grows by 5 seconds), `access_denied` (`status: "rejected"`),
 * `expired_token`, or the tokens (`status: "approved"`). The device code is spent together with
 * storing the tokens, so of concurrent polls after approval exactly one gets them.
 */
@Injectable()
export class DeviceCodeGrant implements OAuthGrantHandler {
  /** Devices are often public clients (a TV cannot keep a secret): RFC 8628 §3.1 allows them. */
  readonly allowsPublicClients = true;

  constructor(
    @InjectOAuthConfig() private readonly config: OAuthConfig,
    private readonly store: DeviceAuthorizationStore,
    private readonly factory: TokenFactory,
    private readonly idTokens: IdTokenService,
    private readonly policy: TokenRequestPolicy,
  ) {}

  async handle(request: TokenRequest): Promise<TokenResponse> {
    const { params, client } = request;
    if (!params.device_code) throw OAuthException.invalidRequest('device_code is required.');
    const authorization = await this.store.findByDeviceCodeHash(sha256(params.device_code));
    if (!authorization || authorization.clientId !== client.clientId)
      throw OAuthException.invalidGrant('The device code is invalid.');
    if (authorization.consumedAt !== null)
      throw OAuthException.invalidGrant('The device code was already used.');
    if (authorization.expiresAt <= nowMs())
      throw new OAuthException('expired_token', 'The device code has expired: start again.');
    switch (authorization.status) {
      case 'pending':
        return this.stillPending(authorization);
      case 'denied':
        throw new OAuthException(
          'access_denied',
          'The user denied the request.',
          400,
          {},
          {
            status: 'rejected',
          },
        );
      case 'approved':
        return this.issue(request, authorization);
    }
  }

  /** Pending: `authorization_pending`, or `slow_down` for a poll before the interval is up. */
  private async stillPending(authorization: OAuthDeviceAuthorization): Promise<never> {
    const now = nowMs();
    const interval = authorization.pollInterval;
    const onTime =
      now >= authorization.nextPollAt &&
      (await this.store.recordPoll(
        authorization.id,
        authorization.nextPollAt,
        nextPoll(now, interval),
      ));
    if (onTime) {
      throw new OAuthException(
        'authorization_pending',
        'The user has not decided yet.',
        400,
        {},
        { status: 'pending' },
      );
    }
    const slower = interval + SLOW_DOWN_STEP;
    await this.store.slowDown(authorization.id, slower, nextPoll(now, slower));
    throw new OAuthException(
      'slow_down',
      `Polling too fast: wait ${slower} seconds between requests.`,
      400,
      {},
      { status: 'pending', interval: slower },
    );
  }

  private async issue(
    request: TokenRequest,
    authorization: OAuthDeviceAuthorization,
  ): Promise<TokenResponse> {
    const { client } = request;
    const subject = authorization.subject!;
    const granted = authorization.resources ?? [this.config.accessTokenAudience];
    const audience = audienceFor(request.params.resource, this.config, granted) ?? granted;
    await this.policy.check(request, { scopes: authorization.scopes }, subject, authorization);
    // Signed before the code is spent, so spending and storing is one short step.
    const prepared = await this.factory.prepare({
      clientId: client.clientId,
      subject,
      scopes: authorization.scopes,
      grantType: DEVICE_CODE_GRANT,
      audience,
      withRefreshToken: mayIssueRefreshToken(this.config, client.grantTypes, authorization.scopes),
      authTime: authorization.authTime,
      acr: authorization.acr,
      amr: authorization.amr,
      dpopJkt: request.dpop?.jkt,
    });
    const issued = await this.factory.storeIfSpent(prepared, (row) =>
      this.store.insertTokensIfSpent(authorization.id, row, nowMs()),
    );
    if (!issued) throw OAuthException.invalidGrant('The device code was already used.');
    const { response } = issued;
    if (authorization.scopes.includes('openid')) {
      response.id_token = await this.idTokens.sign({
        clientId: client.clientId,
        subject,
        accessToken: response.access_token,
        authTime: authorization.authTime,
        acr: authorization.acr,
        amr: authorization.amr,
      });
    }
    return response;
  }
}

/** When the next poll is due: `interval` seconds from now, less the jitter tolerance. */
const nextPoll = (now: number, interval: number): number =>
  now + Math.round(secondsToMs(interval) * (1 - POLL_TOLERANCE));
