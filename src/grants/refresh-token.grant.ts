import { Injectable } from '@nestjs/common';
import { excerpt } from '../common/text';
import { parseScope } from '../common/scope';
import { nowMs } from '../common/time';
import { OAuthException } from '../errors/oauth.exception';
import { InjectOAuthConfig } from '../oauth.constants';
import type { OAuthConfig } from '../options/oauth-config';
import { sha256 } from '../common/crypto';
import type { OAuthToken } from '../storage/entities/oauth-token.entity';
import { TokenStore } from '../storage/stores/token.store';
import { PreparedTokens, TokenFactory } from '../tokens/token-factory.service';
import type { TokenResponse } from '../tokens/token-response';
import { TokenRevoker } from '../tokens/token-revoker.service';
import type { OAuthGrantHandler, TokenRequest } from './oauth-grant.interface';
import { audienceFor } from './resource-indicator';
import { narrowedAuthorizationDetails } from './authorization-details-request';
import type { AuthorizationDetail } from '../options/authorization-detail-type';
import { RefreshRotation } from './refresh-rotation';
import { TokenRequestPolicy } from './token-request-policy.service';
import { OAuthEvents } from '../events/oauth-events';

/**
 * RFC 6749 §6 with rotation (RFC 9700 §4.14.2): every use returns a new refresh token and
 * kills the old one. A second use of a rotated token is taken as theft: the whole family is
 * revoked, unless it is a retry within `refreshTokenReuseInterval` (see RefreshRotation). The
 * family's lifetime is absolute: rotation never extends it.
 */
@Injectable()
export class RefreshTokenGrant implements OAuthGrantHandler {
  readonly allowsPublicClients = true;

  constructor(
    @InjectOAuthConfig() private readonly config: OAuthConfig,
    private readonly tokens: TokenStore,
    private readonly factory: TokenFactory,
    private readonly policy: TokenRequestPolicy,
    private readonly events: OAuthEvents,
    private readonly revoker: TokenRevoker,
    private readonly rotation: RefreshRotation,
  ) {}

  async handle(request: TokenRequest): Promise<TokenResponse> {
    const refreshToken = request.params.refresh_token;
    if (!refreshToken) throw OAuthException.invalidRequest('refresh_token is required.');
    const row = await this.tokens.findByRefreshTokenHash(sha256(refreshToken));
    // Another client's token is treated as unknown: no hint that it exists.
    if (!row || row.clientId !== request.client.clientId) {
      throw OAuthException.invalidGrant('The refresh token is invalid.');
    }
    // A used token whose row was revoked since (its family, or superseded by a retry) is still
    // reuse below: someone else holds the family.
    if (row.revokedAt !== null && row.refreshConsumedAt === null) {
      throw OAuthException.invalidGrant('The refresh token was revoked.');
    }
    if (row.refreshExpiresAt === null || row.refreshExpiresAt <= nowMs()) {
      throw OAuthException.invalidGrant('The refresh token has expired.');
    }
    // RFC 9449 §5: a public client's refresh token is bound to its DPoP key (a confidential
    // client's is bound to the client's own authentication already).
    if (
      request.client.clientType === 'public' &&
      row.dpopJkt !== null &&
      request.dpop?.jkt !== row.dpopJkt
    ) {
      throw OAuthException.invalidGrant('The refresh token is bound to another DPoP key.');
    }
    const granted = row.refreshScopes ?? row.scopes;
    const scopes = this.narrowedScopes(request.params.scope, granted);
    // RFC 9396 §6.2: like scope, the details may narrow, never widen; the refresh token keeps
    // the grant's reusable details (one-off ones went to the first access token only).
    const grantedDetails = row.refreshAuthorizationDetails as AuthorizationDetail[] | null;
    const details = await narrowedAuthorizationDetails(
      request,
      this.config,
      grantedDetails,
      row.subject,
    );
    const audience =
      audienceFor(request.params.resource, this.config, row.audience) ?? row.audience;
    // The authorization's sign-in as it was: a refresh never raises its level.
    await this.policy.check(request, { scopes, authorizationDetails: details }, row.subject, row);

    const next = (rotate: boolean, after: OAuthToken) =>
      this.factory.prepare({
        clientId: row.clientId,
        subject: row.subject,
        scopes,
        refreshScopes: granted,
        authorizationDetails: details,
        refreshAuthorizationDetails: grantedDetails,
        grantType: 'refresh_token',
        audience,
        withRefreshToken: rotate,
        family: {
          id: row.familyId,
          refreshCount: after.refreshCount,
          refreshExpiresAt: row.refreshExpiresAt!,
        },
        originCodeId: row.originCodeId,
        authTime: row.authTime,
        acr: row.acr,
        amr: row.amr,
        dpopJkt: request.dpop?.jkt,
      });

    // A token rotated before the policy changed is still spent: its reuse is still reuse.
    if (row.refreshConsumedAt === null && !this.rotation.rotates(request.client)) {
      return this.refreshWithoutRotation(row, await next(false, row));
    }
    const spend = await this.rotation.spendFor(row, nowMs());
    if (spend.kind === 'reuse') return this.reuseDetected(row);
    // A retry's row comes after the superseded successor: a family is a chain.
    const prepared = await next(true, spend.row);
    const outcome =
      spend.kind === 'retry'
        ? await this.factory.storeIfRefreshSuperseded(prepared, spend.row.id)
        : await this.factory.storeIfRefreshSpent(prepared, row.id);
    // Lost the race: the token (or, for a retry, its successor) was spent by someone else.
    if (!outcome) return this.reuseDetected(row);
    if (spend.kind === 'retry') this.announceRetry(row, spend.row, outcome.row);
    return outcome.response;
  }

  /**
   * A new access token; the refresh token stays as it is (no `refresh_token` in the answer).
   * Nothing is spent, so concurrent refreshes all succeed. The new row joins the family and is
   * checked again after it is stored: a family revoked meanwhile takes it down too.
   */
  private async refreshWithoutRotation(
    row: OAuthToken,
    prepared: PreparedTokens,
  ): Promise<TokenResponse> {
    const stored = await this.factory.store(prepared);
    const current = await this.tokens.findById(row.id);
    if (!current || current.revokedAt !== null) {
      await this.revoker.revokeFamily(row, 'revocation_endpoint');
      throw OAuthException.invalidGrant('The refresh token was revoked.');
    }
    return stored.response;
  }

  private async reuseDetected(row: OAuthToken): Promise<never> {
    this.events.emit({
      type: 'refresh_token.reuse_detected',
      clientId: row.clientId,
      subject: row.subject,
      familyId: row.familyId,
    });
    // Runs after the winning rotation committed, so its new tokens are revoked too.
    await this.revoker.revokeFamily(row, 'refresh_token_reuse');
    throw OAuthException.invalidGrant(
      'The refresh token was already used; its authorization is revoked.',
    );
  }

  /** The successor was revoked by the store together with the spend; said here. */
  private announceRetry(presented: OAuthToken, superseded: OAuthToken, issued: OAuthToken): void {
    this.events.emit({
      type: 'refresh_token.retried',
      clientId: presented.clientId,
      subject: presented.subject,
      familyId: presented.familyId,
      tokenId: issued.id,
      supersededTokenId: superseded.id,
    });
    this.events.emit({
      type: 'token.revoked',
      clientId: superseded.clientId,
      subject: superseded.subject,
      tokenId: superseded.id,
      reason: 'refresh_token_retry',
      count: 1,
    });
  }

  /** RFC 6749 §6: the scope may narrow, never widen. */
  private narrowedScopes(requested: string | undefined, granted: string[]): string[] {
    if (requested === undefined) return granted;
    const scopes = parseScope(requested);
    if (scopes.length === 0) throw OAuthException.invalidScope('The scope parameter is empty.');
    const extra = scopes.filter((scope) => !granted.includes(scope));
    if (extra.length > 0) {
      throw OAuthException.invalidScope(
        `The refresh token was not granted ${extra
          .slice(0, 3)
          .map((scope) => excerpt(scope))
          .join(', ')}${extra.length > 3 ? ' and more' : ''}.`,
      );
    }
    return scopes;
  }
}
