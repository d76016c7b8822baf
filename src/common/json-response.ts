import type { Response } from 'express';

/** RFC 6749 §5.1: token responses (and errors) must not be cached. */
export const NO_STORE = { 'Cache-Control': 'no-store', Pragma: 'no-cache' };

/**
 * On every response the module writes (JSON, pages, redirects, errors): browsers must not
 * sniff a JSON error that echoes request text into HTML or script.
 */
export const NOSNIFF = { 'X-Content-Type-Options': 'nosniff' };

/** Discovery documents and key sets change rarely; caches may keep them a few minutes. */
export const PUBLIC_FOR_5_MINUTES = { 'Cache-Control': 'public, max-age=300' };

/**
 * Writes a protocol endpoint's JSON answer itself. The RFCs define these bodies, so a host's
 * response-mapping interceptor (say, one wrapping every body in `{ data }`) must not reshape
 * them; and Express's ETag, a SHA-1 of every body, is useless on `no-store` answers.
 */
export function sendJson(
  response: Response,
  status: number,
  body: object,
  headers: Record<string, string> = {},
): void {
  const json = JSON.stringify(body);
  response.statusCode = status;
  response.setHeader('Content-Type', 'application/json; charset=utf-8');
  response.setHeader('X-Content-Type-Options', 'nosniff');
  for (const [name, value] of Object.entries(headers)) response.setHeader(name, value);
  response.setHeader('Content-Length', Buffer.byteLength(json));
  response.end(json);
}
