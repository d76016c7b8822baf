import { Transform, type Readable } from 'node:stream';

/**
 * The largest request body the module's endpoints read: Express's default (body-parser's
 * 100 kB). OAuth requests are a few hundred bytes; Fastify's default is ten times this.
 */
export const OAUTH_BODY_LIMIT = 100 * 1024;

export type PreParsingHook = (
  request: { url: string; headers: Record<string, string | string[] | undefined> },
  reply: unknown,
  payload: Readable,
  done: (error: Error | null, payload?: Readable) => void,
) => void;

/** What Express's body parser raises: a 413 (the module answers it as `invalid_request`). */
const tooLarge = (): Error =>
  Object.assign(new Error('The request body is too large.'), { statusCode: 413 });

/**
 * Fastify's side of the limit: a declared length is checked before reading (Fastify itself
 * refuses a body that differs from it); a chunked body is counted as it streams.
 */
export const limitBody = (
  request: Parameters<PreParsingHook>[0],
  payload: Readable,
  done: Parameters<PreParsingHook>[3],
): void => {
  const declared = request.headers['content-length'];
  if (request.headers['transfer-encoding'] === undefined && (declared ?? '0') === '0') {
    // No body (Fastify's own test), whatever the content type says: Express's parser reads
    // none; Fastify's would refuse an empty JSON body before the route could answer (a
    // DELETE's 404 or 405).
    delete request.headers['content-type'];
    return done(null, payload);
  }
  if (declared !== undefined) {
    return Number(declared) > OAUTH_BODY_LIMIT ? done(tooLarge()) : done(null, payload);
  }
  let received = 0;
  const counted = new Transform({
    transform(chunk: Buffer, _encoding, next) {
      received += chunk.length;
      next(received > OAUTH_BODY_LIMIT ? tooLarge() : null, chunk);
    },
  });
  // pipe() does not pass on an aborted upload: the parser must hear of it, not wait for it.
  payload.on('error', (error) => counted.destroy(error));
  done(null, payload.pipe(counted));
};
