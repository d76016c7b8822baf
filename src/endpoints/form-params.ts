import type { Request } from 'express';
import { excerpt } from '../common/text';
import { OAuthException } from '../errors/oauth.exception';

/**
 * The form parameters of an OAuth POST (RFC 6749 §3.2): `application/x-www-form-urlencoded`,
 * each parameter at most once (§3.1), every value a plain string.
 */
export function formParams(request: Request): Record<string, string> {
  if (!request.is('application/x-www-form-urlencoded')) {
    throw OAuthException.invalidRequest(
      'The request body must be application/x-www-form-urlencoded.',
    );
  }
  const body: unknown = request.body ?? {};
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw OAuthException.invalidRequest('The request body could not be read.');
  }
  return singleValued(body);
}

/** The query parameters of an OAuth GET (RFC 6749 §3.1), with the same rules as a form. */
export function queryParams(request: Request): Record<string, string> {
  return singleValued(request.query);
}

function singleValued(source: object): Record<string, string> {
  const params: Record<string, string> = {};
  for (const [name, value] of Object.entries(source)) {
    if (typeof value !== 'string') {
      // Arrays come from repeated parameters, objects from `a[b]=` syntax: neither is allowed.
      throw OAuthException.invalidRequest(
        `The parameter ${excerpt(name)} is repeated or malformed.`,
      );
    }
    if (value !== '') params[name] = value; // RFC 6749 §3.1: empty values count as omitted
  }
  return params;
}
