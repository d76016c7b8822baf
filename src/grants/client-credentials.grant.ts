import { Injectable } from '@nestjs/common';
import { InjectOAuthConfig } from '../oauth.constants';
import type { OAuthConfig } from '../options/oauth-config';
import { TokenIssuer } from '../tokens/token-issuer.service';
import type { TokenResponse } from '../tokens/token-response';
import type { OAuthGrantHandler, TokenRequest } from './oauth-grant.interface';
import { audienceFor } from './resource-indicator';
import { requestedAuthorizationDetails } from './authorization-details-request';
import { grantableScopes } from './scope-policy';
import { TokenRequestPolicy } from './token-request-policy.service';

/**
 * RFC 6749 §4.4: an application acting for itself. Confidential clients only, never a refresh
 * token (the client simply asks again), never a user-only scope.
 */
@Injectable()
export class ClientCredentialsGrant implements OAuthGrantHandler {
  /** Confidential only: the token endpoint refuses public clients before calling handle. */
  readonly allowsPublicClients = false;

  constructor(
    @InjectOAuthConfig() private readonly config: OAuthConfig,
    private readonly issuer: TokenIssuer,
    private readonly policy: TokenRequestPolicy,
  ) {}

  async handle(request: TokenRequest): Promise<TokenResponse> {
    // RFC 9396 §6: details may come with or instead of scope (then no scope is granted).
    const details = await requestedAuthorizationDetails(request, this.config, null);
    const scopes =
      details && request.params.scope === undefined
        ? []
        : grantableScopes(request.params.scope, request.client, this.config, false);
    await this.policy.check(request, { scopes, authorizationDetails: details }, null);
    const { response } = await this.issuer.issue({
      clientId: request.client.clientId,
      subject: null,
      scopes,
      authorizationDetails: details ?? null,
      grantType: 'client_credentials',
      audience: audienceFor(request.params.resource, this.config),
      withRefreshToken: false,
      dpopJkt: request.dpop?.jkt,
    });
    return response;
  }
}
