import type { ServerResponse } from 'node:http';

/** The response object the host's HTTP adapter hands `@Res()`: Express `Response` or `FastifyReply`. */
export type AdapterResponse = object;

/**
 * How the module writes an answer, the same on Express and Fastify: headers first, then one
 * complete body. Every endpoint, page, filter and the guard write through it.
 */
export interface HttpReply {
  /** True once the answer has gone out (a later write would be an error). */
  readonly sent: boolean;
  setHeader(name: string, value: string): void;
  /** Adds a `Set-Cookie` header beside any already set on this answer. */
  addCookie(cookie: string): void;
  /** Sends `body` with `status` and `headers` (Content-Type among them) and ends the answer. */
  send(status: number, headers: Record<string, string>, body: string): void;
}

/**
 * Express's `Response` is Node's `ServerResponse` with extras: writing through Node's own API
 * skips Express's ETag (a SHA-1 of every body, useless on `no-store` answers) and its
 * content negotiation.
 */
class NodeReply implements HttpReply {
  constructor(private readonly response: ServerResponse) {}

  get sent(): boolean {
    return this.response.headersSent;
  }

  setHeader(name: string, value: string): void {
    this.response.setHeader(name, value);
  }

  addCookie(cookie: string): void {
    this.response.appendHeader('Set-Cookie', cookie);
  }

  send(status: number, headers: Record<string, string>, body: string): void {
    const response = this.response;
    response.statusCode = status;
    for (const name in headers) response.setHeader(name, headers[name]);
    // RFC 9110 §8.6: no Content-Length on a 204.
    if (status !== 204) response.setHeader('Content-Length', Buffer.byteLength(body));
    response.end(body);
  }
}

/** The part of `FastifyReply` used here (no import: fastify is an optional peer). */
interface FastifyReplyLike {
  readonly sent: boolean;
  readonly raw: ServerResponse;
  code(status: number): FastifyReplyLike;
  header(name: string, value: string): FastifyReplyLike;
  headers(values: Record<string, string>): FastifyReplyLike;
  send(body: string): FastifyReplyLike;
}

/**
 * Fastify keeps headers on the reply until it sends (its `onSend` hooks, a host's helmet
 * among them, still run), and appends repeated `Set-Cookie` headers by itself.
 */
class FastifyReply implements HttpReply {
  constructor(private readonly reply: FastifyReplyLike) {}

  get sent(): boolean {
    return this.reply.sent;
  }

  setHeader(name: string, value: string): void {
    this.reply.header(name, value);
  }

  addCookie(cookie: string): void {
    this.reply.header('set-cookie', cookie);
  }

  send(status: number, headers: Record<string, string>, body: string): void {
    this.reply.code(status).headers(headers).send(body);
  }
}

/**
 * The writer for an adapter's response object. A `FastifyReply` wraps Node's response in `raw`
 * and has `code()`; an Express `Response` is Node's response itself. Telling them apart by shape
 * needs no global state, so apps on both adapters can share a process (and a test run).
 */
export function httpReplyOf(raw: AdapterResponse): HttpReply {
  return isFastifyReply(raw) ? new FastifyReply(raw) : new NodeReply(raw as ServerResponse);
}

export function isFastifyReply(raw: AdapterResponse): raw is FastifyReplyLike {
  return 'raw' in raw && typeof (raw as { code?: unknown }).code === 'function';
}
