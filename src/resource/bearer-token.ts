import type { Request } from 'express';
import { OAuthException } from '../errors/oauth.exception';

/** Where a bearer token may be sent: the `resourceServer` options that decide it. */
export interface BearerTokenPlacement {
  /** RFC 6750 §2.3: `?access_token=`. */
  allowQueryToken: boolean;
  /** RFC 6750 §2.2: `access_token` in a form-encoded (non-GET) request body. */
  allowBodyToken: boolean;
  /** `realm` of the `WWW-Authenticate` challenge. */
  realm: string;
}

/**
 * The one token placement rule (RFC 6750 §2), used by `OAuthGuard`, the `oauth-bearer` passport
 * strategy and userinfo alike: the `Authorization: Bearer` header (§2.1); a form-encoded body of
 * a non-GET request (§2.2) and the query string (§2.3) only when the options allow them; one
 * place only. A token anywhere else, or a malformed one, is 400 `invalid_request` with its
 * challenge (§3.1). Returns undefined when no bearer token was sent (401 without an error code).
 */
export function bearerTokenOf(
  request: Request,
  placement: BearerTokenPlacement,
): string | undefined {
  const header = request.headers?.authorization;
  const query = queryTokenOf(request);
  const body = (request.body as Record<string, unknown> | undefined)?.access_token;
  if (query !== undefined && !placement.allowQueryToken) {
    throw refuse(
      placement,
      'Send the access token in the Authorization header, not the query string.',
    );
  }
  if (body !== undefined) {
    if (!placement.allowBodyToken) {
      throw refuse(
        placement,
        'Send the access token in the Authorization header, not the request body.',
      );
    }
    if (request.method === 'GET' || !request.is('application/x-www-form-urlencoded')) {
      throw refuse(
        placement,
        'A body access token is only accepted in a form-encoded request body.',
      );
    }
    if (header !== undefined || query !== undefined)
      throw refuse(placement, 'Send the access token in one place only.');
  } else if (header !== undefined && query !== undefined) {
    throw refuse(placement, 'Send the access token in one place only.');
  }
  if (header !== undefined) {
    // passport-http-bearer's rule: the scheme and the token separated by one space; another
    // scheme is no bearer token at all.
    const space = header.indexOf(' ');
    if (space < 0 || header.indexOf(' ', space + 1) >= 0)
      throw refuse(placement, 'The Authorization header is malformed.');
    if (!/^Bearer$/i.test(header.slice(0, space))) return undefined;
    return checked(header.slice(space + 1), placement);
  }
  // Extended form and query parsers turn `access_token[a]=1` or a repeated parameter into an
  // object or array: malformed, not a token.
  const other = query ?? body;
  return other === undefined ? undefined : checked(other, placement);
}

function refuse(placement: BearerTokenPlacement, description: string): OAuthException {
  return OAuthException.bearer('invalid_request', description, 400, placement.realm);
}

/** RFC 6750 §2.1 b64token; an empty token is no token. */
function checked(token: unknown, placement: BearerTokenPlacement): string | undefined {
  if (token === '') return undefined;
  if (typeof token !== 'string' || !B64TOKEN.test(token)) {
    throw refuse(placement, 'The access token is malformed.');
  }
  return token;
}

const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/**
 * The query string's access_token. Express 5 parses the query string again on every read of
 * `request.query`, so a URL without a query string is not parsed at all.
 */
function queryTokenOf(request: Request): unknown {
  return request.url.includes('?') ? request.query?.access_token : undefined;
}
