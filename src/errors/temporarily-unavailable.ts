import { DATABASE_RETRY_AFTER_SECONDS } from '../storage/database-unavailable';
import { OAuthException } from './oauth.exception';

/**
 * The answer while the database cannot be reached: 503 `temporarily_unavailable` with
 * `Retry-After` (RFC 9110 §10.2.3), instead of a 500 that says "bug".
 *
 * RFC 6749 defines `temporarily_unavailable` only for the authorization endpoint's error
 * redirect (§4.1.2.1, §4.2.2.1), because a redirect cannot carry a 503. The token endpoint's
 * error codes (§5.2), RFC 7662 introspection, RFC 7009 revocation (whose §2.2 tells a client that
 * gets a 503, perhaps with Retry-After, to assume the token still exists and retry), RFC 7591 registration and RFC 6750 resources (the guard,
 * userinfo) define none for this: HTTP already has the status and the header, so they answer
 * 503 with Retry-After and, for one JSON shape everywhere, the same `temporarily_unavailable`
 * code in the body. Clients that only look at the status see 503 and may retry.
 */
export function temporarilyUnavailable(): OAuthException {
  return new OAuthException(
    'temporarily_unavailable',
    'The server is temporarily unavailable. Try again later.',
    503,
    { 'Retry-After': String(DATABASE_RETRY_AFTER_SECONDS) },
  );
}
