import { Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { NextFunction, Request, Response } from 'express';
import { OAUTH_PATHS } from '../oauth.constants';
import { sendOAuthError, toOAuthException } from './oauth-exception.filter';

const isOAuthPath = (path: string) =>
  Object.values(OAUTH_PATHS).some(
    (endpoint) => path === endpoint || path.startsWith(`${endpoint}/`),
  );

/**
 * The host's body parser runs before any controller, so a malformed or oversized body never
 * reaches our exception filter (Nest would answer with its own shape, or a 500 for a 413).
 * This Express error middleware, added after the routes and before Nest's error handler, gives
 * such requests to our endpoints an RFC 6749 §5.2 error; other paths go on to Nest untouched.
 */
@Injectable()
export class BodyErrorHandler implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    const adapter = this.adapterHost?.httpAdapter;
    if (!adapter || adapter.getType() !== 'express') return;
    adapter.use((error: unknown, request: Request, response: Response, next: NextFunction) => {
      if (!isOAuthPath(request.path) || response.headersSent) return next(error);
      sendOAuthError(response, toOAuthException(error));
    });
  }
}
