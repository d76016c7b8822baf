import { excerpt } from '../common/text';
import { OAuthException } from '../errors/oauth.exception';
import type { OAuthHttpRequest } from '../http/http-request';

export const FORM = 'application/x-www-form-urlencoded';

/**
 * The form parameters of an OAuth POST (RFC 6749 §3.2): `application/x-www-form-urlencoded`,
 * each parameter at most once (§3.1), every value a plain string.
 */
export function formParams(request: OAuthHttpRequest): Record<string, string> {
  if (request.mediaType !== FORM) {
    throw OAuthException.invalidRequest(
      'The request body must be application/x-www-form-urlencoded.',
    );
  }
  checkBodyEncoding(request);
  const body: unknown = request.body ?? {};
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw OAuthException.invalidRequest('The request body could not be read.');
  }
  return singleValued(body);
}

/** The query parameters of an OAuth GET (RFC 6749 §3.1), with the same rules as a form. */
export function queryParams(request: OAuthHttpRequest): Record<string, string> {
  return singleValued(request.query);
}

/**
 * A body the module reads is plain UTF-8 text. Express's body parser refuses other charsets and
 * inflates gzip; Fastify's does neither: checking here makes both adapters answer alike.
 */
export function checkBodyEncoding(request: OAuthHttpRequest): void {
  const charset = /;\s*charset\s*=\s*"?([^";\s]*)/i.exec(request.header('content-type') ?? '');
  if (charset && charset[1].toLowerCase() !== 'utf-8') {
    throw OAuthException.invalidRequest('The request body must be UTF-8.');
  }
  const encoding = request.header('content-encoding');
  if (encoding !== undefined && encoding.toLowerCase() !== 'identity') {
    throw OAuthException.invalidRequest('The request body must not be compressed.');
  }
}

function singleValued(source: object): Record<string, string> {
  const params: Record<string, string> = {};
  for (const [name, value] of Object.entries(source)) {
    // Arrays come from repeated parameters; `a[b]=` syntax gives an object (Express's parser)
    // or a bracketed name (Fastify's): none of them is allowed.
    if (typeof value !== 'string' || name.includes('[')) {
      throw OAuthException.invalidRequest(
        `The parameter ${excerpt(name)} is repeated or malformed.`,
      );
    }
    if (value !== '') params[name] = value; // RFC 6749 §3.1: empty values count as omitted
  }
  return params;
}
