import { QueryFailedError } from 'typeorm';

/**
 * Whether a failed query broke a primary-key or unique constraint: the one failure that means
 * "someone stored this first" (a used assertion, a concurrent consent). Anything else is a real
 * database fault and must surface as such.
 */
export function isUniqueViolation(error: unknown): boolean {
  if (!(error instanceof QueryFailedError)) return false;
  const driverError = error.driverError as { code?: unknown; errno?: unknown } | undefined;
  const code = driverError?.code;
  if (code === '23505') return true; // PostgreSQL unique_violation
  if (code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE') return true;
  // MySQL / MariaDB (mysql2, mysql): ER_DUP_ENTRY, error number 1062.
  if (code === 'ER_DUP_ENTRY' || driverError?.errno === 1062) return true;
  // Other drivers: their messages say so ("unique", "duplicate").
  return /unique|duplicate/i.test(error.message);
}
