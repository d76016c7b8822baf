import { ArgumentsHost, Catch, HttpException, Logger } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';

/** What the sample tells a client whose request body the body parser refused. */
const REFUSALS: Record<number, string> = {
  400: 'The request body could not be read.',
  413: 'The request body is too large.',
  415: 'The request body has an unsupported encoding or charset.',
};

/**
 * The sample's global filter: Nest's default handling, except for request bodies the body
 * parser refused (bad gzip, unknown charset, too large). Those errors are not HttpExceptions,
 * so Nest's default filter logged each at ERROR with its stack trace, about a dozen lines per
 * request: but a malformed body is the client's mistake, not the server's. They are answered
 * with their 4xx status and a fixed message (the parser's own may quote the request, e.g. the
 * charset it was sent) and logged as one DEBUG line. Errors on the module's endpoints never
 * get here: it answers them itself, as OAuth errors.
 */
@Catch()
export class ClientErrorsFilter extends BaseExceptionFilter {
  private readonly logger = new Logger('HTTP');

  override catch(exception: unknown, host: ArgumentsHost): void {
    const refused = refusedBody(exception);
    if (!refused) return super.catch(exception, host);
    this.logger.debug(
      `Refused a request body: ${refused.status}${refused.type ? ` ${refused.type}` : ''}`,
    );
    const message = REFUSALS[refused.status] ?? REFUSALS[400];
    super.catch(new HttpException({ statusCode: refused.status, message }, refused.status), host);
  }
}

/**
 * A body-parser (http-errors) refusal: a 4xx `status`, `expose: true` (meant for the client)
 * and a `type` such as `entity.too.large` or `charset.unsupported`.
 */
function refusedBody(exception: unknown): { status: number; type?: string } | undefined {
  if (exception instanceof HttpException || typeof exception !== 'object' || !exception)
    return undefined;
  const { status, expose, type } = exception as {
    status?: unknown;
    expose?: unknown;
    type?: unknown;
  };
  if (typeof status !== 'number' || status < 400 || status >= 500 || expose !== true)
    return undefined;
  return { status, type: typeof type === 'string' ? type : undefined };
}
