import { QueryFailedError } from 'typeorm';

/**
 * Whether the database aborted a transaction to break a deadlock (or a serialization conflict):
 * nothing of it was kept, and running it again is the documented answer (InnoDB's row locks
 * deadlock when, say, a family's revocation and a spend-and-store of the same family cross).
 */
export function isDeadlock(error: unknown): boolean {
  if (!(error instanceof QueryFailedError)) return false;
  const driverError = error.driverError as { code?: unknown; errno?: unknown } | undefined;
  const code = driverError?.code;
  if (code === '40P01' || code === '40001') return true; // PostgreSQL deadlock / serialization
  // MySQL / MariaDB: ER_LOCK_DEADLOCK, error number 1213.
  return code === 'ER_LOCK_DEADLOCK' || driverError?.errno === 1213;
}
