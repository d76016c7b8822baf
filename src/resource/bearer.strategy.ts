import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { Strategy } from 'passport-http-bearer';
import { InjectOAuthConfig } from '../oauth.constants';
import type { OAuthConfig } from '../options/oauth-config';
import { AccessTokenVerifier } from './access-token-verifier.service';
import type { VerifiedAccessToken } from './verified-access-token';

/** The passport strategy name: `AuthGuard(OAUTH_BEARER_STRATEGY)` works with @nestjs/passport. */
export const OAUTH_BEARER_STRATEGY = 'oauth-bearer';

/**
 * passport-http-bearer backed by our verifier. `OAuthGuard` runs it and adds RFC 6750 errors,
 * scopes and token placement rules; a plain `AuthGuard('oauth-bearer')` gets authentication only.
 */
@Injectable()
export class OAuthBearerStrategy extends PassportStrategy(Strategy, OAUTH_BEARER_STRATEGY) {
  constructor(
    private readonly verifier: AccessTokenVerifier,
    @InjectOAuthConfig() config: OAuthConfig,
  ) {
    super({ realm: config.resourceServer.realm });
  }

  validate(token: string): Promise<VerifiedAccessToken> {
    return this.verifier.verify(token);
  }
}
