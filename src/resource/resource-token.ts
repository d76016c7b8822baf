import { OAuthErrorCode, OAuthException } from '../errors/oauth.exception';
import type { OAuthHttpRequest } from '../http/http-request';
import type { OAuthConfig } from '../options/oauth-config';
import type { OAuthBearerStrategy } from './bearer.strategy';
import { bearerTokenOf } from './bearer-token';
import type { DpopResourceAuthenticator } from './dpop-resource-authenticator.service';
import { dpopTokenOf } from './dpop-token';
import type { VerifiedAccessToken } from './verified-access-token';

/**
 * The access token of a request to a protected resource (OAuthGuard, userinfo): a Bearer token
 * by the one placement rule (RFC 6750 §2, `bearerTokenOf`), verified by the `oauth-bearer`
 * strategy (synchronously when it is remembered live), which refuses a DPoP-bound token sent as
 * Bearer; else `Authorization: DPoP` with its proof (RFC 9449 §7), checked only when no Bearer
 * token came so Bearer requests do no DPoP work; else 401 without an error code (§3.1).
 * Verification failures are 401 `invalid_token`; anything else (database or key store down)
 * propagates as a server error, never as "your token is invalid".
 */
export function authenticateResourceRequest(
  request: OAuthHttpRequest,
  config: OAuthConfig,
  bearer: OAuthBearerStrategy,
  dpop: DpopResourceAuthenticator,
  htu: () => string,
): VerifiedAccessToken | Promise<VerifiedAccessToken> {
  const token = bearerTokenOf(request, config.resourceServer);
  if (token !== undefined) return bearer.validateRemembered(token) ?? bearer.validate(token);
  const dpopToken = config.dpop.enabled ? dpopTokenOf(request, config) : undefined;
  if (dpopToken !== undefined) return dpop.authenticate(request, dpopToken, htu());
  throw OAuthException.tokenRequired(config.resourceServer.realm);
}

/** A refusal in the scheme the token came with: a DPoP-bound token can only have come as DPoP. */
export function tokenRefusal(
  config: OAuthConfig,
  token: VerifiedAccessToken,
  code: OAuthErrorCode,
  description: string,
  status: number,
  scope?: string,
  params?: Record<string, string>,
): OAuthException {
  if (token.dpopJkt !== undefined) {
    return OAuthException.dpop(code, description, status, config.dpop.algorithms, {
      scope,
      params,
    });
  }
  return OAuthException.bearer(
    code,
    description,
    status,
    config.resourceServer.realm,
    scope,
    params,
  );
}
