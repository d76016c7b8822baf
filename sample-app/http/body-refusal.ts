// Request bodies the app will not read (malformed, too large, unknown encoding or charset): how
// the sample makes such errors on Fastify, and how it recognises them on either adapter.

/**
 * Shaped like the errors of Express's body-parser (http-errors): a 4xx `status`, `expose: true`
 * (meant for the client) and a `type` such as `encoding.unsupported`.
 */
export type BodyRefusal = Error & {
  status: number;
  statusCode: number;
  expose: true;
  type: string;
};

/** Marks `error` as a refused body. */
export function asBodyRefusal(error: Error, status: number, type: string): BodyRefusal {
  return Object.assign(error, { status, statusCode: status, expose: true as const, type });
}

export function bodyRefusal(status: number, type: string, message: string): BodyRefusal {
  return asBodyRefusal(new Error(message), status, type);
}

/**
 * The status and type of a refused body, or undefined for any other error: a body-parser (or
 * bodyRefusal) error, or one of Fastify's content parser (`FST_ERR_CTP_*`: too large, bad JSON,
 * unsupported media type).
 */
export function refusedBody(exception: unknown): { status: number; type?: string } | undefined {
  if (typeof exception !== 'object' || !exception) return undefined;
  const { status, statusCode, expose, type, code } = exception as Record<string, unknown>;
  if (isClientError(status) && expose === true)
    return { status, type: typeof type === 'string' ? type : undefined };
  if (isClientError(statusCode) && typeof code === 'string' && code.startsWith('FST_ERR_CTP_'))
    return { status: statusCode, type: code };
  return undefined;
}

const isClientError = (status: unknown): status is number =>
  typeof status === 'number' && status >= 400 && status < 500;
