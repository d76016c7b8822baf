import { OAuthException } from '../errors/oauth.exception';
import type { OAuthHttpRequest } from '../http/http-request';
import type { OAuthConfig } from '../options/oauth-config';
import type { VerifiedAccessToken } from './verified-access-token';

/**
 * The token of an `Authorization: DPoP <token>` header (RFC 9449 §7.1), or undefined when the
 * header uses another scheme. Only the header carries it: DPoP has no query or body form.
 * Same token68 rule as Bearer; a malformed one is a DPoP `invalid_request`.
 */
export function dpopTokenOf(
  request: OAuthHttpRequest,
  config: Pick<OAuthConfig, 'dpop'>,
): string | undefined {
  const header = request.header('authorization');
  if (header === undefined || !/^DPoP /i.test(header)) return undefined;
  const token = header.slice(5);
  if (!TOKEN68.test(token)) {
    throw OAuthException.dpop(
      'invalid_request',
      'The Authorization header is malformed.',
      400,
      config.dpop.algorithms,
    );
  }
  return token;
}

const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*$/;

/**
 * RFC 9449 §7.2: a DPoP-bound token sent as a Bearer token is refused, else stealing the token
 * would be enough. The challenge names DPoP, the scheme the token needs.
 */
export function refuseIfDpopBound(
  token: VerifiedAccessToken,
  config: Pick<OAuthConfig, 'dpop'>,
): void {
  if (token.dpopJkt === undefined) return;
  throw OAuthException.dpop(
    'invalid_token',
    'This access token is DPoP-bound: send it as Authorization: DPoP with a DPoP proof.',
    401,
    config.dpop.algorithms,
  );
}
