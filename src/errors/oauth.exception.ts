import { HttpException } from '@nestjs/common';
import { safeDescription } from '../common/text';

/**
 * Error codes of RFC 6749 §4.1.2.1 / §5.2, RFC 6750 §3.1, RFC 7009, RFC 7591, RFC 9101 §6.2,
 * RFC 9449, RFC 9396 and OIDC Core.
 */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'unsupported_response_type'
  | 'unsupported_token_type'
  | 'invalid_scope'
  | 'invalid_target'
  | 'invalid_authorization_details'
  | 'access_denied'
  | 'server_error'
  | 'temporarily_unavailable'
  | 'invalid_token'
  | 'insufficient_scope'
  | 'insufficient_user_authentication'
  | 'invalid_redirect_uri'
  | 'invalid_client_metadata'
  | 'invalid_dpop_proof'
  | 'use_dpop_nonce'
  | 'login_required'
  | 'consent_required'
  | 'interaction_required'
  | 'request_not_supported'
  | 'request_uri_not_supported'
  | 'not_found'
  | 'authorization_pending'
  | 'slow_down'
  | 'expired_token';

/**
 * The one exception type for protocol errors. `OAuthExceptionFilter` renders it as
 * `{ error, error_description }` with its status and headers (e.g. `WWW-Authenticate`).
 * It is an HttpException, so a host's own filters render the same body and status.
 *
 * The description always keeps RFC 6749 §5.2's character set (printable ASCII without `"` and
 * `\`) and is bounded: the constructor passes it through `safeDescription`, so no message (a
 * host's included) can carry control characters, CR LF or quotes into a body, a challenge or a
 * redirect. Messages name the parameter; where a value helps they quote an `excerpt` of it.
 */
export class OAuthException extends HttpException {
  /** The error description, already within the RFC's character set and length bound. */
  readonly description: string;

  constructor(
    readonly error: OAuthErrorCode,
    description: string,
    status = 400,
    readonly headers: Record<string, string> = {},
    /**
     * More members of the JSON body, beside `error` and `error_description` (which they cannot
     * replace), e.g. `{ status: 'pending' }` or `{ retry_after: 30 }`.
     */
    readonly extra: Record<string, string | number> = {},
  ) {
    const safe = safeDescription(description);
    super({ ...extra, error, error_description: safe }, status);
    this.description = safe;
    this.name = 'OAuthException';
  }

  get httpStatus(): number {
    return this.getStatus();
  }

  static invalidRequest(description: string): OAuthException {
    return new OAuthException('invalid_request', description);
  }

  /** RFC 6749 §5.2: 401, with a `Basic` challenge when the client tried HTTP Basic. */
  static invalidClient(description: string, triedBasic = false): OAuthException {
    const headers: Record<string, string> = triedBasic
      ? { 'WWW-Authenticate': 'Basic realm="oauth"' }
      : {};
    return new OAuthException('invalid_client', description, 401, headers);
  }

  static invalidGrant(description: string): OAuthException {
    return new OAuthException('invalid_grant', description);
  }

  static unauthorizedClient(description: string): OAuthException {
    return new OAuthException('unauthorized_client', description);
  }

  static unsupportedGrantType(description: string): OAuthException {
    return new OAuthException('unsupported_grant_type', description);
  }

  static invalidScope(description: string): OAuthException {
    return new OAuthException('invalid_scope', description);
  }

  /** RFC 9396 §5: `authorization_details` is malformed, unknown, not allowed, or refused. */
  static invalidAuthorizationDetails(description: string): OAuthException {
    return new OAuthException('invalid_authorization_details', description);
  }

  static invalidClientMetadata(description: string): OAuthException {
    return new OAuthException('invalid_client_metadata', description);
  }

  static invalidRedirectUri(description: string): OAuthException {
    return new OAuthException('invalid_redirect_uri', description);
  }

  /** RFC 6750 §3: 401 with a Bearer challenge carrying the error. */
  static invalidToken(description: string, realm: string): OAuthException {
    return OAuthException.bearer('invalid_token', description, 401, realm);
  }

  /**
   * An error of a bearer-protected resource (RFC 6750 §3) with its `WWW-Authenticate` challenge;
   * `scope` names what an `insufficient_scope` request lacked; `params` adds auth-params, e.g.
   * RFC 9470's `acr_values` and `max_age` for `insufficient_user_authentication`.
   */
  static bearer(
    code: OAuthErrorCode,
    description: string,
    status: number,
    realm: string,
    scope?: string,
    params: Record<string, string> = {},
  ): OAuthException {
    const safe = safeDescription(description);
    const challenge = `Bearer realm="${quotable(realm)}", error="${quotable(code)}", error_description="${safe}"`;
    return new OAuthException(code, safe, status, {
      'WWW-Authenticate': `${challenge}${authParams({ scope, ...params })}`,
    });
  }

  /**
   * An error of a DPoP-protected resource (RFC 9449 §7.1): the `DPoP` challenge with the error
   * and the proof algorithms accepted (`algs`); `scope` as in RFC 6750 §3, `headers` adds e.g.
   * `DPoP-Nonce`.
   */
  static dpop(
    code: OAuthErrorCode,
    description: string,
    status: number,
    algs: readonly string[],
    extra: {
      scope?: string;
      headers?: Record<string, string>;
      /** More auth-params, e.g. RFC 9470's `acr_values` and `max_age`. */
      params?: Record<string, string>;
    } = {},
  ): OAuthException {
    const safe = safeDescription(description);
    const params = authParams({ scope: extra.scope, ...extra.params });
    return new OAuthException(code, safe, status, {
      'WWW-Authenticate': `DPoP error="${quotable(code)}", error_description="${safe}"${params}, algs="${quotable(algs.join(' '))}"`,
      ...extra.headers,
    });
  }

  /**
   * RFC 6750 §3.1: no token was sent, so the challenge names only the realm, no error code
   * (the JSON body still says `invalid_token`).
   */
  static tokenRequired(
    realm: string,
    description = 'An access token is required.',
  ): OAuthException {
    return new OAuthException('invalid_token', description, 401, {
      'WWW-Authenticate': `Bearer realm="${quotable(realm)}"`,
    });
  }

  static notFound(description = 'This endpoint is not enabled.'): OAuthException {
    return new OAuthException('not_found', description, 404);
  }
}

/** `, name="value"` for each defined auth-param, in order. */
function authParams(params: Record<string, string | undefined>): string {
  return Object.entries(params)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([name, value]) => `, ${name}="${quotable(value)}"`)
    .join('');
}

/**
 * A value for a quoted-string of a challenge (RFC 6750 §3: realm, scope, error): the
 * description character set, so no `"` or CR LF can end the string or the header.
 */
function quotable(value: string): string {
  return value.replace(/[^\x20-\x21\x23-\x5B\x5D-\x7E]/gu, '?');
}
