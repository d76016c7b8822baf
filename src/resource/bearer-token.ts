import { OAuthException } from '../errors/oauth.exception';
import type { OAuthHttpRequest } from '../http/http-request';

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
 * a request other than GET or HEAD (§2.2) and the query string (§2.3) only when the options allow them; one
 * place only. A token anywhere else, or a malformed one, is 400 `invalid_request` with its
 * challenge (§3.1). Returns undefined when no bearer token was sent (401 without an error code).
 */
export function bearerTokenOf(
  request: OAuthHttpRequest,
  placement: BearerTokenPlacement,
): string | undefined {
  const header = request.header('authorization');
  const query = accessTokenField(request.query);
  // A GET or HEAD body has no meaning (RFC 9110 §9.3.1) and Fastify does not even parse it.
  const body = BODYLESS.has(request.method) ? undefined : accessTokenField(request.body);
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
    if (request.mediaType !== 'application/x-www-form-urlencoded') {
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

const BODYLESS = new Set(['GET', 'HEAD']);

/**
 * The `access_token` field of a query or body. `access_token[a]=1` is malformed, not absent:
 * Express's parsers make it an object, Fastify's keep the bracketed name; both end up here as
 * a non-string, refused by `checked`.
 */
function accessTokenField(source: unknown): unknown {
  if (typeof source !== 'object' || source === null) return undefined;
  const fields = source as Record<string, unknown>;
  if (fields.access_token !== undefined) return fields.access_token;
  for (const name in fields) if (name.startsWith('access_token[')) return fields;
  return undefined;
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
