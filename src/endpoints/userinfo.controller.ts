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
import { bearerTokenOf } from '../resource/bearer-token';
import { Public } from '../resource/decorators';
import { dpopTargetUri } from '../dpop/dpop-target-uri';
import { DpopResourceAuthenticator } from '../resource/dpop-resource-authenticator.service';
import { dpopTokenOf } from '../resource/dpop-token';
import type { OAuthHttpRequest } from '../http/http-request';
import type { VerifiedAccessToken } from '../resource/verified-access-token';

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
    const realm = this.config.resourceServer.realm;
    const verified = await this.authenticate(request);
    const dpop = verified.dpopJkt !== undefined;
    const algs = this.config.dpop.algorithms;
    if (!verified.userId || !verified.scopes.includes('openid')) {
      const description = 'The token was not issued with the openid scope.';
      throw dpop
        ? OAuthException.dpop('insufficient_scope', description, 403, algs, { scope: 'openid' })
        : OAuthException.bearer('insufficient_scope', description, 403, realm, 'openid');
    }
    const owner = this.config.resourceOwner;
    if (!owner || !(await owner.findById(verified.userId))) {
      const description = 'The user of this token no longer exists.';
      throw dpop
        ? this.dpop.error('invalid_token', description)
        : OAuthException.invalidToken(description, realm);
    }
    const claims = await owner.getClaims(verified.userId, verified.scopes);
    sendJson(
      httpReplyOf(response),
      200,
      { ...claimsForScopes(claims, verified.scopes), sub: verified.userId },
      { 'Cache-Control': 'no-store' },
    );
  }

  /**
   * The guard's rules: a Bearer token by the placement rule (RFC 6750 §2; OIDC Core §5.3.1,
   * header only by default), not DPoP-bound; or `Authorization: DPoP` with a proof (RFC 9449 §7).
   */
  private authenticate(
    request: OAuthHttpRequest,
  ): VerifiedAccessToken | Promise<VerifiedAccessToken> {
    const token = bearerTokenOf(request, this.config.resourceServer);
    if (token) return this.bearer.validateRemembered(token) ?? this.bearer.validate(token);
    const dpopToken = this.config.dpop.enabled ? dpopTokenOf(request, this.config) : undefined;
    if (dpopToken !== undefined) return this.dpop.authenticate(request, dpopToken, this.htu);
    throw OAuthException.tokenRequired(this.config.resourceServer.realm);
  }
}
