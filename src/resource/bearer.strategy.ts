import { Injectable } from '@nestjs/common';
import passport from 'passport';
import { Strategy, type VerifyFunction } from 'passport-http-bearer';
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
 *
 * It registers itself with passport as @nestjs/passport's `PassportStrategy` would, without
 * importing @nestjs/passport: that package's major must match the host's Nest (12 is ESM-only),
 * and npm would otherwise install 12 into a Nest 11 app to satisfy our peer range.
 */
@Injectable()
export class OAuthBearerStrategy extends Strategy<VerifyFunction> {
  /** passport.Strategy's, set on the copy passport authenticates with (@types do not declare it). */
  declare error: (error: unknown) => void;

  constructor(
    private readonly verifier: AccessTokenVerifier,
    @InjectOAuthConfig() private readonly config: OAuthConfig,
  ) {
    // passport-http-bearer calls the verify function as a method of the strategy (or its copy).
    super(
      { realm: config.resourceServer.realm },
      function verify(
        this: OAuthBearerStrategy,
        token: string,
        done: (error: unknown, user?: VerifiedAccessToken) => void,
      ) {
        this.validate(token).then(
          (verified) => done(null, verified),
          (error: unknown) => done(error),
        );
      },
    );
    passport.use(OAUTH_BEARER_STRATEGY, this);
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

  /** `validate` without I/O, when the verifier remembers the token (else undefined). @internal */
  validateRemembered(token: string): VerifiedAccessToken | undefined {
    const verified = this.verifier.remembered(token);
    if (verified) refuseIfDpopBound(verified, this.config);
    return verified;
  }

  /** A Bearer token: a DPoP-bound one is refused here (RFC 9449 §7.2), for every Bearer path. */
  async validate(token: string): Promise<VerifiedAccessToken> {
    const verified = await this.verifier.verify(token);
    refuseIfDpopBound(verified, this.config);
    return verified;
  }
}
