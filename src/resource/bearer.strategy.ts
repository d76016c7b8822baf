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
 * Passport's strategy registry is process-wide: with two apps in one process (tests, several
 * servers), `'oauth-bearer'` names the strategy constructed last, which verifies with the other
 * app's keys and database. OAuthGuard therefore finds its own app's strategy by the app's config.
 */
const strategiesByConfig = new WeakMap<OAuthConfig, OAuthBearerStrategy>();

/** The strategy of the app whose resolved config this is (the object injected as OAUTH_CONFIG). */
export function bearerStrategyFor(config: OAuthConfig): OAuthBearerStrategy | undefined {
  return strategiesByConfig.get(config);
}

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
    strategiesByConfig.set(config, this);
  }

  validate(token: string): Promise<VerifiedAccessToken> {
    return this.verifier.verify(token);
  }
}
