import { Injectable } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { AdapterResponse } from '../http/adapter-types';
import { encodeLocation } from '../http/location';
import { STYLE_HASH } from '../views/layout';

/**
 * Headers of every page the sample renders: no framing (clickjacking), no caching (pages show
 * who is signed in), no referrer (URLs may carry OAuth parameters), only our own resources.
 *
 * No `form-action`: after signing in, the form's redirect chain continues through
 * /oauth/authorize to the client's redirect_uri on another origin, which form-action would block.
 */
export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': `default-src 'self'; style-src ${STYLE_HASH}; base-uri 'none'; frame-ancestors 'none'`,
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
};

/**
 * Answers with a page or a redirect on Express or Fastify alike, through Nest's HttpAdapter. A
 * handler takes the response with `@Res({ passthrough: true })` and returns what these return,
 * and Nest sends it.
 */
@Injectable()
export class PageResponder {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  /** `page` with `status` and the page headers: return it from the handler. */
  page(response: AdapterResponse, status: number, page: string): string {
    this.answer(response, status, { ...PAGE_HEADERS, 'Content-Type': 'text/html; charset=utf-8' });
    return page;
  }

  /** A 303 See Other (the browser follows with GET), with the page headers. */
  seeOther(response: AdapterResponse, location: string): undefined {
    this.answer(response, 303, { ...PAGE_HEADERS, Location: encodeLocation(location) });
    return undefined;
  }

  private answer(response: AdapterResponse, status: number, headers: Record<string, string>) {
    const http = this.adapterHost.httpAdapter;
    http.status(response, status);
    for (const [name, value] of Object.entries(headers)) http.setHeader(response, name, value);
  }
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
