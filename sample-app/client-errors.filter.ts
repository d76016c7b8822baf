import { ArgumentsHost, Catch, HttpException, Logger } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import { refusedBody } from './http/body-refusal';
import { OAuthException } from './oauth-server';

/** What the sample tells a client whose request body the body parser refused. */
const REFUSALS: Record<number, string> = {
  400: 'The request body could not be read.',
  413: 'The request body is too large.',
  415: 'The request body has an unsupported type, encoding or charset.',
};

/**
 * The sample's global filter: Nest's default handling, except for request bodies the body
 * parser refused (bad gzip, unknown charset, too large), on Express (body-parser) or Fastify (its
 * content parser and http/fastify-bodies-like-express.ts). Those errors are not HttpExceptions,
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
    // A route's own RFC 6750 error (e.g. a payment the token was not approved for) keeps its
    // WWW-Authenticate challenge: Nest's default filter writes the body and status only.
    const adapter = this.httpAdapterHost?.httpAdapter;
    if (exception instanceof OAuthException && adapter) {
      const response = host.switchToHttp().getResponse<unknown>();
      for (const [name, value] of Object.entries(exception.headers))
        adapter.setHeader(response, name, value);
    }
    const refused = exception instanceof HttpException ? undefined : refusedBody(exception);
    if (!refused) return super.catch(exception, host);
    this.logger.debug(
      `Refused a request body: ${refused.status}${refused.type ? ` ${refused.type}` : ''}`,
    );
    const message = REFUSALS[refused.status] ?? REFUSALS[400];
    super.catch(new HttpException({ statusCode: refused.status, message }, refused.status), host);
  }
}
