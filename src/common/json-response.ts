import type { HttpReply } from '../http/http-reply';

/** RFC 6749 §5.1: token responses (and errors) must not be cached. */
export const NO_STORE = { 'Cache-Control': 'no-store', Pragma: 'no-cache' };

/**
 * On every response the module writes (JSON, pages, redirects, errors): browsers must not
 * sniff a JSON error that echoes request text into HTML or script.
 */
export const NOSNIFF = { 'X-Content-Type-Options': 'nosniff' };

/** Discovery documents and key sets change rarely; caches may keep them a few minutes. */
export const PUBLIC_FOR_5_MINUTES = { 'Cache-Control': 'public, max-age=300' };

const JSON_TYPE = { 'Content-Type': 'application/json; charset=utf-8', ...NOSNIFF };

/**
 * Writes a protocol endpoint's JSON answer itself. The RFCs define these bodies, so a host's
 * response-mapping interceptor (say, one wrapping every body in `{ data }`) must not reshape
 * them.
 */
export function sendJson(
  reply: HttpReply,
  status: number,
  body: object,
  headers: Record<string, string> = {},
): void {
  reply.send(status, { ...JSON_TYPE, ...headers }, JSON.stringify(body));
}
