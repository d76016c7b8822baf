// On Express, body-parser inflates a gzip, deflate or br body, refuses an encoding or charset it
// cannot read, and takes only an object or array as JSON (its `strict` default). Fastify reads
// bodies as they come and takes any JSON value, so these hooks do the same there: the sample
// answers a body alike on both adapters.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Readable, Transform } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { asBodyRefusal, bodyRefusal } from './body-refusal';

const DECOMPRESSORS: Record<string, () => Transform> = {
  gzip: createGunzip,
  'x-gzip': createGunzip,
  deflate: createInflate,
  br: createBrotliDecompress,
};

/** Body types whose parsers (Nest's, on Fastify) decode UTF-8 only. */
const UTF8_ONLY_TYPES = ['application/json', 'application/x-www-form-urlencoded'];

/** Adds the hooks to every route of `fastify`. */
export function readBodiesLikeExpress(fastify: FastifyInstance): void {
  fastify.addHook('preParsing', async (request, _reply, payload) => {
    if (!hasBody(request)) return payload;
    refuseUnreadableCharset(request);
    return inflate(request, payload);
  });
  fastify.addHook('preValidation', async (request) => refuseJsonScalar(request));
}

/** RFC 9112 §6.3: a request has a body when it says how long it is. */
function hasBody(request: FastifyRequest): boolean {
  return (
    request.headers['transfer-encoding'] !== undefined ||
    request.headers['content-length'] !== undefined
  );
}

/**
 * A JSON or form body in a charset other than UTF-8: 415. (body-parser also decodes UTF-16 JSON
 * and Latin-1 forms; the sample's UTF-8 pages and OAuth clients send neither.)
 */
function refuseUnreadableCharset(request: FastifyRequest): void {
  if (!UTF8_ONLY_TYPES.includes(mediaType(request))) return;
  const charset = contentTypeParameters(request)
    .find((parameter) => parameter.startsWith('charset='))
    ?.slice('charset='.length)
    .replace(/^"(.*)"$/, '$1');
  if (charset !== undefined && charset !== 'utf-8') {
    throw bodyRefusal(415, 'charset.unsupported', 'unsupported charset');
  }
}

/** `application/json` of `Application/JSON; charset=utf-8`. */
function mediaType(request: FastifyRequest): string {
  return (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
}

/** `charset=utf-8` of `application/json; Charset=UTF-8`, lowercased. */
function contentTypeParameters(request: FastifyRequest): string[] {
  const [, ...parameters] = (request.headers['content-type'] ?? '').toLowerCase().split(';');
  return parameters.map((parameter) => parameter.trim());
}

/** The body, inflated as its Content-Encoding says; an unknown encoding is refused (415). */
function inflate(request: FastifyRequest, payload: Readable): Readable {
  const encoding = (request.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  if (encoding === 'identity') return payload;
  const decompressor = DECOMPRESSORS[encoding];
  if (!decompressor) throw bodyRefusal(415, 'encoding.unsupported', 'unsupported content encoding');

  // Fastify checks Content-Length against the bytes received, not the inflated ones: it reads
  // them from `receivedEncodedLength`. Its body limit still applies to the inflated body.
  const inflated = Object.assign(decompressor(), { receivedEncodedLength: 0 });
  payload.on('data', (chunk: Buffer) => (inflated.receivedEncodedLength += chunk.length));
  payload.on('error', (error) => inflated.destroy(error));
  // Marked before Fastify sees it: a corrupt body is the client's mistake (400), as on Express.
  inflated.once('error', (error) => asBodyRefusal(error, 400, 'encoding.invalid'));
  return payload.pipe(inflated);
}

/**
 * A JSON body that is a string, number, boolean or null: 400, as body-parser's `strict` mode
 * answers it. Handlers that expect an object never see one.
 */
function refuseJsonScalar(request: FastifyRequest): void {
  if (mediaType(request) !== 'application/json' || request.body === undefined) return;
  if (typeof request.body !== 'object' || request.body === null) {
    throw bodyRefusal(400, 'entity.parse.failed', 'JSON body is not an object or array');
  }
}
