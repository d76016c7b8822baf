import { Controller, Post, Req, Res, UseFilters } from '@nestjs/common';
import { ClientAuthenticator } from '../clients/client-authenticator.service';
import { sendJson } from '../common/json-response';
import { formatScope } from '../common/scope';
import { nowMs } from '../common/time';
import { OAuthExceptionFilter } from '../errors/oauth-exception.filter';
import { OAuthException } from '../errors/oauth.exception';
import { AdapterRequest, httpRequestOf, OAuthHttpRequest } from '../http/http-request';
import { AdapterResponse, httpReplyOf } from '../http/http-reply';
import { InjectOAuthConfig, OAUTH_PATHS } from '../oauth.constants';
import type { OAuthConfig } from '../options/oauth-config';
import { expiresAtOf, FoundToken, TokenLookup } from '../tokens/token-lookup.service';
import { formParams } from './form-params';
import { Public } from '../resource/decorators';

const INACTIVE = { active: false } as const;

/**
 * RFC 7662. Callers: confidential clients (their own tokens) and the configured resource
 * servers (any token). Claims come from the stored row, not from the presented token.
 * Anything not active, or not the caller's, is `{ "active": false }` with no reason given.
 */
@Public()
@Controller(OAUTH_PATHS.introspection)
@UseFilters(OAuthExceptionFilter)
export class IntrospectionController {
  constructor(
    @InjectOAuthConfig() private readonly config: OAuthConfig,
    private readonly clients: ClientAuthenticator,
    private readonly lookup: TokenLookup,
  ) {}

  @Post()
  async introspect(
    @Req() request: AdapterRequest,
    @Res() response: AdapterResponse,
  ): Promise<void> {
    const answer = await this.answer(httpRequestOf(request));
    sendJson(httpReplyOf(response), 200, answer, { 'Cache-Control': 'no-store' });
  }

  private async answer(request: OAuthHttpRequest): Promise<object> {
    const params = formParams(request);
    const { client, method } = await this.clients.authenticate(request, params, 'introspection');
    if (method === 'none')
      throw OAuthException.invalidClient('Introspection needs an authenticated client.');
    if (!params.token) throw OAuthException.invalidRequest('token is required.');
    const found = await this.lookup.find(params.token, params.token_type_hint);
    const mayIntrospect = (owner: string) =>
      owner === client.clientId ||
      this.config.introspectionResourceServers.includes(client.clientId);
    if (!found || !mayIntrospect(found.row.clientId) || !isActive(found)) return INACTIVE;
    return this.describe(found);
  }

  private async describe(found: FoundToken) {
    const { kind, row } = found;
    const username = row.subject
      ? (await this.config.resourceOwner?.findById(row.subject))?.username
      : undefined;
    const expiresAt = expiresAtOf(found)!; // active, so it has one
    const seconds = (ms: number) => Math.floor(ms / 1000);
    const details =
      kind === 'refresh_token' ? row.refreshAuthorizationDetails : row.authorizationDetails;
    return {
      active: true,
      scope: formatScope(kind === 'refresh_token' ? (row.refreshScopes ?? row.scopes) : row.scopes),
      client_id: row.clientId,
      ...(username ? { username } : {}),
      sub: row.subject ?? row.clientId,
      token_type: kind === 'refresh_token' ? 'refresh_token' : row.dpopJkt ? 'DPoP' : 'Bearer',
      exp: seconds(expiresAt),
      iat: seconds(row.issuedAt),
      nbf: seconds(row.issuedAt),
      aud: row.audience.length === 1 ? row.audience[0] : row.audience,
      iss: this.config.issuer,
      jti: row.id,
      // RFC 9470 §6.2 / RFC 7662 §2.2: how the user signed in, for step-up decisions.
      ...(row.authTime ? { auth_time: row.authTime } : {}),
      ...(row.acr ? { acr: row.acr } : {}),
      ...(row.amr?.length ? { amr: row.amr } : {}),
      // RFC 9396 §9.2: the details the token grants.
      ...(details ? { authorization_details: details } : {}),
      // RFC 9449 §6.2: the key a DPoP-bound access token is bound to.
      ...(kind !== 'refresh_token' && row.dpopJkt ? { cnf: { jkt: row.dpopJkt } } : {}),
    };
  }
}

function isActive(found: FoundToken): boolean {
  const { kind, row } = found;
  if (row.revokedAt !== null) return false;
  if (kind === 'refresh_token' && row.refreshConsumedAt !== null) return false;
  const expiresAt = expiresAtOf(found);
  return expiresAt !== null && expiresAt > nowMs();
}
