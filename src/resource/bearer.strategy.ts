import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { Strategy } from 'passport-http-bearer';
import { OAuthException } from '../errors/oauth.exception';
import { AdapterRequest, httpRequestOf } from '../http/http-request';
import { InjectOAuthConfig } from '../oauth.constants';
import type { OAuthConfig } from '../options/oauth-config';
import { AccessTokenVerifier } from './access-token-verifier.service';
import { bearerTokenOf } from './bearer-token';
import { refuseIfDpopBound } from './dpop-token';
import type { VerifiedAccessToken } from './verified-access-token';

/** The passport strategy name: `AuthGuard(OAUTH_BEARER_STRATEGY)` works with @nestjs/passport. */
export const OAUTH_BEARER_STRATEGY = 'oauth-bearer';

/**
 * passport-http-bearer backed by our verifier. `OAuthGuard` runs it and adds RFC 6750 errors,
 * scopes and token placement rules; a plain `AuthGuard('oauth-bearer')` gets authentication only,
 * under the same placement rule (`bearerTokenOf`): passport-http-bearer would read `access_token`
 * from any body and the query by itself.
 */
@Injectable()
export class OAuthBearerStrategy extends PassportStrategy(Strategy, OAUTH_BEARER_STRATEGY) {
  /** passport.Strategy's, set on the copy passport authenticates with (@types do not declare it). */
  declare error: (error: unknown) => void;

  constructor(
    private readonly verifier: AccessTokenVerifier,
    @InjectOAuthConfig() private readonly config: OAuthConfig,
  ) {
    super({ realm: config.resourceServer.realm });
  }

  /**
   * Passport calls this on a copy of the strategy that has `error`/`fail`/`success`. A token in a
   * place the options do not allow is passed on as the OAuthException (400 invalid_request, its
   * challenge set here: @nestjs/passport's AuthGuard rethrows it to the host's filters); an
   * allowed token is extracted by passport-http-bearer as before, the same one.
   */
  override authenticate(request: AdapterRequest, options?: object): void {
    try {
      bearerTokenOf(httpRequestOf(request), this.config.resourceServer);
    } catch (error) {
      // Express links the request to its response; Fastify's request has no way to its reply,
      // so there the host's filter renders the 400 without the challenge header.
      const response = (request as { res?: { setHeader(name: string, value: string): void } }).res;
      if (error instanceof OAuthException && response) {
        for (const [name, value] of Object.entries(error.headers)) response.setHeader(name, value);
      }
      return this.error(error);
    }
    super.authenticate(request as never, options);
  }

  /** A Bearer token: a DPoP-bound one is refused here (RFC 9449 §7.2), for every Bearer path. */
  async validate(token: string): Promise<VerifiedAccessToken> {
    const verified = await this.verifier.verify(token);
    refuseIfDpopBound(verified, this.config);
    return verified;
  }
}
