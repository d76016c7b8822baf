import type { Response } from 'express';
import { STYLE_HASH } from '../views/layout';

/**
 * Headers of every page the sample renders: no framing (clickjacking), no caching (pages show
 * who is signed in), no referrer (URLs may carry OAuth parameters), only our own resources.
 *
 * No `form-action`: after signing in, the form's redirect chain continues through
 * /oauth/authorize to the client's redirect_uri on another origin, which form-action would block.
 */
export function setPageHeaders(response: Response): void {
  response.setHeader(
    'Content-Security-Policy',
    `default-src 'self'; style-src ${STYLE_HASH}; base-uri 'none'; frame-ancestors 'none'`,
  );
  response.setHeader('X-Frame-Options', 'DENY');
  response.setHeader('Referrer-Policy', 'no-referrer');
  response.setHeader('Cache-Control', 'no-store');
  response.setHeader('X-Content-Type-Options', 'nosniff');
}

/** Sends a rendered page with the page headers. */
export function sendPage(response: Response, status: number, page: string): void {
  setPageHeaders(response);
  response.status(status).type('html').send(page);
}

/** A 303 See Other (the browser follows with GET), with the page headers. */
export function redirectTo(response: Response, location: string): void {
  setPageHeaders(response);
  response.redirect(303, location);
}

/**
 * `value` if it is a path on this site ("/..." but not "//host" or "/\host", which browsers
 * read as another host), else "/". Stops open redirects through `return_to`.
 */
export function safeReturnTo(value: unknown): string {
  if (typeof value !== 'string' || value.length > 8192) return '/';
  // Backslashes and control characters: browsers drop or rewrite them, "/\\host" is "//host".
  // eslint-disable-next-line no-control-regex
  if (!value.startsWith('/') || value.startsWith('//') || /[\\\u0000-\u001f\u007f]/.test(value)) {
    return '/';
  }
  const base = 'http://sample.invalid';
  try {
    return new URL(value, base).origin === base ? value : '/';
  } catch {
    return '/';
  }
}
