import { Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { sendOAuthError, toOAuthException } from '../errors/oauth-exception.filter';
import { OAUTH_PATHS } from '../oauth.constants';
import { limitBody, PreParsingHook } from './body-limit';
import { AdapterResponse, httpReplyOf } from './http-reply';
import { pathOf } from './http-request';

/** The HTTP adapters the module is built and tested on. */
export const SUPPORTED_ADAPTERS = ['express', 'fastify'];

const ENDPOINTS: readonly string[] = Object.values(OAUTH_PATHS);
const UNDER_ENDPOINTS = ENDPOINTS.map((endpoint) => `${endpoint}/`);

/** Runs for every request on Fastify (the host's too), so it allocates nothing but the path. */
const isOAuthPath = (url: string): boolean => {
  const path = pathOf(url);
  for (let i = 0; i < ENDPOINTS.length; i++) {
    if (path === ENDPOINTS[i] || path.startsWith(UNDER_ENDPOINTS[i])) return true;
  }
  return false;
};

type ErrorHandler = (error: unknown, request: { url: string }, reply: AdapterResponse) => unknown;

/**
 * Where the module meets the host's adapter at start-up. It refuses an adapter it does not
 * support, rather than failing on the first request. And the adapter's body parser runs before
 * any controller, so a malformed, oversized or (on Fastify) unsupported body never reaches our
 * exception filter: Nest would answer in its own shape, or 500 for a 413. Requests to our
 * endpoints get an RFC 6749 §5.2 error instead; other paths go on to Nest untouched.
 */
@Injectable()
export class AdapterIntegration implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    const adapter = this.adapterHost?.httpAdapter;
    if (!adapter) return; // an application context without HTTP (the CLI)
    const type = adapter.getType();
    if (type === 'express') {
      // An Express error middleware added after the routes and before Nest's error handler.
      adapter.use(
        (
          error: unknown,
          request: { originalUrl: string },
          response: AdapterResponse,
          next: (error: unknown) => void,
        ) => this.answer(error, request.originalUrl, response) || next(error),
      );
    } else if (type === 'fastify') {
      const fastify = adapter.getInstance<{
        addHook(name: 'preParsing', hook: PreParsingHook): unknown;
      }>();
      fastify.addHook('preParsing', (request, reply, payload, done) =>
        isOAuthPath(request.url) ? limitBody(request, payload, done) : done(null, payload),
      );
      // Nest installs its Fastify error handler once, after onModuleInit (NestApplication.init:
      // registerRouterHooks): wrapping that one call keeps Nest's handler for every other path
      // without a second setErrorHandler, which Fastify warns about (FSTWRN004).
      const setErrorHandler = adapter.setErrorHandler.bind(adapter) as (
        handler: ErrorHandler,
        prefix?: string,
      ) => unknown;
      adapter.setErrorHandler = ((handler: ErrorHandler, prefix?: string) =>
        setErrorHandler(
          (error, request, reply) =>
            this.answer(error, request.url, reply) || handler(error, request, reply),
          prefix,
        )) as typeof adapter.setErrorHandler;
    } else {
      throw new Error(
        `nest-oauth-server runs on the ${SUPPORTED_ADAPTERS.join(' and ')} HTTP adapters, not "${type}".`,
      );
    }
  }

  /** Answers an error on one of our paths; false when it is not ours to answer. */
  private answer(error: unknown, url: string, response: AdapterResponse): boolean {
    const reply = httpReplyOf(response);
    if (!isOAuthPath(url) || reply.sent) return false;
    sendOAuthError(reply, toOAuthException(error));
    return true;
  }
}
