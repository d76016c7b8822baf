import {
  ArgumentsHost,
  Catch,
  ExceptionFilter,
  HttpException,
  Logger,
  Optional,
} from '@nestjs/common';
import { NO_STORE, sendJson } from '../common/json-response';
import { AdapterResponse, HttpReply, httpReplyOf } from '../http/http-reply';
import { DatabaseHealthLog } from '../storage/database-health-log';
import { isDatabaseUnavailable } from '../storage/database-unavailable';
import { OAuthException } from './oauth.exception';
import { InvalidClientMetadataError } from './oauth-server.error';
import { temporarilyUnavailable } from './temporarily-unavailable';

/** For a filter a host made itself (`new OAuthExceptionFilter()`): one per process. */
let sharedHealthLog: DatabaseHealthLog | undefined;

/**
 * Renders every error thrown inside the module's endpoints as an RFC 6749 §5.2 JSON error.
 * Nest's own HTTP errors (bad body, wrong method) become `invalid_request`; anything else is a
 * bug, logged by name only (never the request, which may hold secrets) and answered as
 * `server_error` without a stack trace. A database that cannot be reached is not a bug: 503
 * `temporarily_unavailable` with Retry-After, logged once per outage (`DatabaseHealthLog`).
 */
@Catch()
export class OAuthExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('OAuth');
  private readonly health: DatabaseHealthLog;

  /** @internal Nest constructs it with the module's health log; `new` works too. */
  constructor(@Optional() health?: DatabaseHealthLog) {
    this.health = health ?? (sharedHealthLog ??= new DatabaseHealthLog());
  }

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = httpReplyOf(host.switchToHttp().getResponse<AdapterResponse>());
    const error = toOAuthException(exception);
    if (isDatabaseUnavailable(exception)) {
      this.health.reportUnavailable(exception);
    } else if (error.httpStatus >= 500 && error.error !== 'temporarily_unavailable') {
      this.logger.error(
        `Unexpected ${(exception as Error)?.name ?? 'error'}: ${(exception as Error)?.message}`,
      );
    }
    if (!reply.sent) sendOAuthError(reply, error);
  }
}

/** Writes `{ error, error_description }` (and the error's extra members) with the error's status and headers, never cached. */
export function sendOAuthError(reply: HttpReply, error: OAuthException): void {
  sendJson(
    reply,
    error.httpStatus,
    { ...error.extra, error: error.error, error_description: error.description },
    { ...NO_STORE, ...error.headers },
  );
}

export function toOAuthException(exception: unknown): OAuthException {
  if (exception instanceof OAuthException) return exception;
  if (isDatabaseUnavailable(exception)) return temporarilyUnavailable();
  if (exception instanceof InvalidClientMetadataError)
    return new OAuthException(exception.code, exception.description, 400);
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    if (status === 404) return OAuthException.notFound('Not found.');
    if (status < 500)
      return new OAuthException('invalid_request', 'The request is malformed.', 400);
  }
  const status =
    (exception as { status?: number })?.status ??
    (exception as { statusCode?: number })?.statusCode;
  // Body parser errors (malformed or oversized bodies; Fastify's unsupported media type) carry a
  // 4xx status.
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new OAuthException('invalid_request', 'The request body could not be read.', 400);
  }
  return new OAuthException('server_error', 'The server could not complete the request.', 500);
}
