import { QueryFailedError } from 'typeorm';
import { isUniqueViolation } from './unique-violation';

const failed = (driverError: object, message = 'failed') =>
  new QueryFailedError('INSERT ...', [], Object.assign(new Error(message), driverError));

describe('isUniqueViolation', () => {
  it.each([
    ['PostgreSQL', { code: '23505' }],
    ['SQLite', { code: 'SQLITE_CONSTRAINT_PRIMARYKEY' }],
    ['SQLite', { code: 'SQLITE_CONSTRAINT_UNIQUE' }],
    ['MySQL/MariaDB by code', { code: 'ER_DUP_ENTRY' }],
    ['MySQL/MariaDB by errno', { errno: 1062 }],
  ])('recognises %s duplicate keys', (_, driverError) => {
    expect(isUniqueViolation(failed(driverError))).toBe(true);
  });

  it('does not take other database errors for one', () => {
    expect(isUniqueViolation(failed({ code: 'ER_DATA_TOO_LONG', errno: 1406 }))).toBe(false);
    expect(isUniqueViolation(failed({ code: '22001' }))).toBe(false);
    expect(isUniqueViolation(new Error('Duplicate entry'))).toBe(false);
  });
});
