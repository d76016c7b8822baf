import { All, Controller, Req, Res, UseFilters } from '@nestjs/common';
import { sendJson } from '../common/json-response';
import { claimsForScopes } from '../consent/scope-claims';
import { OAuthExceptionFilter } from '../errors/oauth-exception.filter';
import { OAuthException } from '../errors/oauth.exception';
import { AdapterRequest, httpRequestOf } from '../http/http-request';
import { AdapterResponse, httpReplyOf } from '../http/http-reply';
import { InjectOAuthConfig, OAUTH_PATHS } from '../oauth.constants';
import type { OAuthConfig } from '../options/oauth-config';
import { AccessTokenVerifier } from '../resource/access-token-verifier.service';
import { bearerTokenOf } from '../resource/bearer-token';
import { Public } from '../resource/decorators';

/** OIDC Core §5.3: claims about the user of an `openid` access token, limited by its scopes. */
@Public()
@Controller(OAUTH_PATHS.userinfo)
@UseFilters(OAuthExceptionFilter)
export class UserinfoController {
  constructor(
    @InjectOAuthConfig() private readonly config: OAuthConfig,
    private readonly verifier: AccessTokenVerifier,
  ) {}

  @All()
  async userinfo(@Req() raw: AdapterRequest, @Res() response: AdapterResponse): Promise<void> {
    const request = httpRequestOf(raw);
    if (request.method !== 'GET' && request.method !== 'POST') {
      throw new OAuthException('invalid_request', 'Use GET or POST.', 405, {
        Allow: 'GET, POST',
      });
    }
    const realm = this.config.resourceServer.realm;
    // The guard's placement rule (RFC 6750 §2; OIDC Core §5.3.1): header only by default.
    const token = bearerTokenOf(request, this.config.resourceServer);
    if (!token) throw OAuthException.tokenRequired(realm);
    const verified = await this.verifier.verify(token);
    if (!verified.userId || !verified.scopes.includes('openid')) {
      throw OAuthException.bearer(
        'insufficient_scope',
        'The token was not issued with the openid scope.',
        403,
        realm,
        'openid',
      );
    }
    const owner = this.config.resourceOwner;
    if (!owner || !(await owner.findById(verified.userId))) {
      throw OAuthException.invalidToken('The user of this token no longer exists.', realm);
    }
    const claims = await owner.getClaims(verified.userId, verified.scopes);
    sendJson(
      httpReplyOf(response),
      200,
      { ...claimsForScopes(claims, verified.scopes), sub: verified.userId },
      { 'Cache-Control': 'no-store' },
    );
  }
}
