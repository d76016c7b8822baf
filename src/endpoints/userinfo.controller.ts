import { All, Controller, Req, Res, UseFilters } from '@nestjs/common';
import { sendJson } from '../common/json-response';
import { claimsForScopes } from '../consent/scope-claims';
import { OAuthExceptionFilter } from '../errors/oauth-exception.filter';
import { OAuthException } from '../errors/oauth.exception';
import { AdapterRequest, httpRequestOf } from '../http/http-request';
import { AdapterResponse, httpReplyOf } from '../http/http-reply';
import { InjectOAuthConfig, OAUTH_PATHS } from '../oauth.constants';
import type { OAuthConfig } from '../options/oauth-config';
import { OAuthBearerStrategy } from '../resource/bearer.strategy';
import { Public } from '../resource/decorators';
import { dpopTargetUri } from '../dpop/dpop-target-uri';
import { DpopResourceAuthenticator } from '../resource/dpop-resource-authenticator.service';
import { authenticateResourceRequest, tokenRefusal } from '../resource/resource-token';

/** OIDC Core §5.3: claims about the user of an `openid` access token, limited by its scopes. */
@Public()
@Controller(OAUTH_PATHS.userinfo)
@UseFilters(OAuthExceptionFilter)
export class UserinfoController {
  /** The advertised userinfo endpoint, what a DPoP proof's htu must name. */
  private readonly htu: string;

  constructor(
    @InjectOAuthConfig() private readonly config: OAuthConfig,
    private readonly bearer: OAuthBearerStrategy,
    private readonly dpop: DpopResourceAuthenticator,
  ) {
    this.htu = dpopTargetUri(`${config.issuer}${OAUTH_PATHS.userinfo}`)!;
  }

  @All()
  async userinfo(@Req() raw: AdapterRequest, @Res() response: AdapterResponse): Promise<void> {
    const request = httpRequestOf(raw);
    if (request.method !== 'GET' && request.method !== 'POST') {
      throw new OAuthException('invalid_request', 'Use GET or POST.', 405, {
        Allow: 'GET, POST',
      });
    }
    const verified = await authenticateResourceRequest(
      request,
      this.config,
      this.bearer,
      this.dpop,
      () => this.htu,
    );
    if (!verified.userId || !verified.scopes.includes('openid')) {
      throw tokenRefusal(
        this.config,
        verified,
        'insufficient_scope',
        'The token was not issued with the openid scope.',
        403,
        'openid',
      );
    }
    const owner = this.config.resourceOwner;
    if (!owner || !(await owner.findById(verified.userId))) {
      throw tokenRefusal(
        this.config,
        verified,
        'invalid_token',
        'The user of this token no longer exists.',
        401,
      );
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
