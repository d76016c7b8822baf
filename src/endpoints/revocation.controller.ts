import { Controller, HttpCode, Post, Req, Res, UseFilters } from '@nestjs/common';
import { ClientAuthenticator } from '../clients/client-authenticator.service';
import { nowMs } from '../common/time';
import { OAuthExceptionFilter } from '../errors/oauth-exception.filter';
import { OAuthException } from '../errors/oauth.exception';
import { AdapterRequest, httpRequestOf } from '../http/http-request';
import { AdapterResponse, httpReplyOf } from '../http/http-reply';
import { OAUTH_PATHS } from '../oauth.constants';
import { expiresAtOf, FoundToken, TokenLookup } from '../tokens/token-lookup.service';
import { TokenRevoker } from '../tokens/token-revoker.service';
import { formParams } from './form-params';
import { Public } from '../resource/decorators';

const TOKEN_TYPE_HINTS = ['access_token', 'refresh_token'];

/**
 * RFC 7009. Revoking a refresh token revokes its family (every access token of that
 * authorization); revoking an access token revokes that token. Unknown, expired or another
 * client's tokens get the same 200 and nothing happens, so the endpoint reveals nothing.
 */
@Public()
@Controller(OAUTH_PATHS.revocation)
@UseFilters(OAuthExceptionFilter)
export class RevocationController {
  constructor(
    private readonly clients: ClientAuthenticator,
    private readonly lookup: TokenLookup,
    private readonly revoker: TokenRevoker,
  ) {}

  @Post()
  @HttpCode(200)
  async revoke(
    @Req() raw: AdapterRequest,
    @Res({ passthrough: true }) response: AdapterResponse,
  ): Promise<void> {
    const request = httpRequestOf(raw);
    const params = formParams(request);
    const { client } = await this.clients.authenticate(request, params, 'revocation');
    if (!params.token) throw OAuthException.invalidRequest('token is required.');
    const hint = params.token_type_hint;
    if (hint !== undefined && !TOKEN_TYPE_HINTS.includes(hint)) {
      throw new OAuthException(
        'unsupported_token_type',
        'Only access and refresh tokens can be revoked.',
      );
    }
    const reply = httpReplyOf(response);
    reply.setHeader('Cache-Control', 'no-store');
    reply.setHeader('X-Content-Type-Options', 'nosniff');
    const found = await this.lookup.find(params.token, hint);
    if (
      !found ||
      found.row.clientId !== client.clientId ||
      found.row.revokedAt !== null ||
      isExpired(found)
    )
      return;
    if (found.kind === 'refresh_token')
      await this.revoker.revokeFamily(found.row, 'revocation_endpoint');
    else await this.revoker.revokeToken(found.row, 'revocation_endpoint');
  }
}

/**
 * An expired token is dead already; revoking its row would also kill what still lives in it
 * (an expired access token's row holds a live refresh token), so it is left alone.
 */
function isExpired(found: FoundToken): boolean {
  const expiresAt = expiresAtOf(found);
  return expiresAt === null || expiresAt <= nowMs();
}
