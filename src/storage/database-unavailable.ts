/**
 * Seconds a client is told to wait (`Retry-After`) when the database cannot be reached. Short:
 * a database restart or fail-over takes seconds, and nothing stays "open" on our side, so the
 * first request after the database is back succeeds.
 */
export const DATABASE_RETRY_AFTER_SECONDS = 5;

/** Socket and DNS failures: the database host did not answer, or the connection broke. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  // A database host that resolved at start-up (initialize() connected) and no longer does is
  // being replaced (a container, a fail-over), not misconfigured.
  'ENOTFOUND',
]);

/**
 * PostgreSQL SQLSTATEs of a server that is going away, coming back or full: 57P01
 * admin_shutdown (pg_ctl stop -m fast), 57P02 crash_shutdown, 57P03 cannot_connect_now (shutting
 * down, starting up, in recovery), 53300 too_many_connections. Class 08 (connection exception) is
 * matched as a prefix.
 */
const POSTGRES_CODES = new Set(['57P01', '57P02', '57P03', '53300']);

/**
 * MySQL / MariaDB (mysql2): the connection was lost or refused, or the server is shutting down or
 * full. Codes by name (mysql2's `code`) and by number (`errno`): ER_CON_COUNT_ERROR 1040,
 * ER_SERVER_SHUTDOWN 1053, CR_CONNECTION_ERROR 2002, CR_CONN_HOST_ERROR 2003,
 * CR_SERVER_GONE_ERROR 2006, CR_SERVER_LOST 2013.
 */
const MYSQL_CODES = new Set([
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_CON_COUNT_ERROR',
  'ER_SERVER_SHUTDOWN',
  'CR_CONNECTION_ERROR',
  'CR_CONN_HOST_ERROR',
  'CR_SERVER_GONE_ERROR',
  'CR_SERVER_LOST',
]);
const MYSQL_ERRNOS = new Set([1040, 1053, 2002, 2003, 2006, 2013]);

/**
 * Driver errors that carry no code, by their exact wording: pg's broken or timed-out connections
 * (pg/lib/client.js, pg-pool) and mysql2's connection closed after a fatal error.
 */
const CODELESS_MESSAGES = [
  /^Connection terminated unexpectedly$/,
  /^Connection terminated due to connection timeout$/,
  /^timeout exceeded when trying to connect$/,
  /^Client has encountered a connection error and is not queryable$/,
  /^Can't add new command when connection is in closed state$/,
];

/**
 * Whether an error means "the database cannot be reached right now" (it is down, restarting,
 * refusing connections, full, or locked by another writer: SQLite's SQLITE_BUSY), as opposed to
 * a fault of the query or the data (a unique violation, a syntax error, a value too long), which
 * stays a server error. The fast SQL stores rethrow driver errors as TypeORM's QueryFailedError
 * (`driverError`); TypeORM's own connection failures are the driver's error itself; Node's
 * connection attempts to several addresses fail with an AggregateError of socket errors.
 */
export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (!error || typeof error !== 'object' || depth > 3) return false;
  const { code, errno, message, driverError, cause, errors } = error as {
    code?: unknown;
    errno?: unknown;
    message?: unknown;
    driverError?: unknown;
    cause?: unknown;
    errors?: unknown;
  };
  if (typeof code === 'string') {
    if (NETWORK_CODES.has(code) || POSTGRES_CODES.has(code) || MYSQL_CODES.has(code)) return true;
    if (/^08[0-9A-Z]{3}$/.test(code)) return true; // PostgreSQL class 08: connection exception
    if (code.startsWith('SQLITE_BUSY')) return true; // SQLITE_BUSY, _RECOVERY, _SNAPSHOT, _TIMEOUT
  }
  if (typeof errno === 'number' && MYSQL_ERRNOS.has(errno)) return true;
  if (code === undefined && typeof message === 'string') {
    if (CODELESS_MESSAGES.some((pattern) => pattern.test(message))) return true;
  }
  if (Array.isArray(errors) && errors.some((inner) => isDatabaseUnavailable(inner, depth + 1)))
    return true;
  return (
    isDatabaseUnavailable(driverError, depth + 1) ||
    (cause !== driverError && isDatabaseUnavailable(cause, depth + 1))
  );
}
