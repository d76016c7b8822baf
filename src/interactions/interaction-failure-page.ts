import type { Logger } from '@nestjs/common';
import { InteractionError } from '../errors/oauth-server.error';
import { OAuthException } from '../errors/oauth.exception';
import type { HttpReply } from '../http/http-reply';
import type { DatabaseHealthLog } from '../storage/database-health-log';
import {
  DATABASE_RETRY_AFTER_SECONDS,
  isDatabaseUnavailable,
} from '../storage/database-unavailable';
import { errorPage, sendPage } from './pages';

/**
 * What the user sees when a browser step (authorization, sign-in return, consent, device
 * verification) fails: the reason for their mistakes, 503 with Retry-After while the database
 * is down, and for a bug a plain 500 page, logged by name and message only (the request may
 * hold secrets). Never a stack trace.
 */
export function sendInteractionFailure(
  reply: HttpReply,
  error: unknown,
  health: DatabaseHealthLog,
  logger: Logger,
): void {
  if (error instanceof InteractionError)
    return sendPage(reply, 400, errorPage('Cannot continue', error.message));
  if (error instanceof OAuthException && error.httpStatus < 500)
    return sendPage(reply, 400, errorPage('Invalid request', error.description));
  if (isDatabaseUnavailable(error)) {
    health.reportUnavailable(error);
    reply.setHeader('Retry-After', String(DATABASE_RETRY_AFTER_SECONDS));
    return sendPage(
      reply,
      503,
      errorPage(
        'Temporarily unavailable',
        'The server is temporarily unavailable. Try again in a moment.',
      ),
    );
  }
  logger.error(`Unexpected ${(error as Error)?.name}: ${(error as Error)?.message}`);
  sendPage(
    reply,
    500,
    errorPage('Something went wrong', 'The server could not complete the request.'),
  );
}
