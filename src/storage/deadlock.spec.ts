import { QueryFailedError } from 'typeorm';
import { isDeadlock } from './deadlock';

const failed = (driverError: object) =>
  new QueryFailedError('UPDATE ...', [], Object.assign(new Error('failed'), driverError));

describe('isDeadlock', () => {
  it.each([
    ['MariaDB/MySQL ER_LOCK_DEADLOCK', { code: 'ER_LOCK_DEADLOCK', errno: 1213 }],
    ['PostgreSQL deadlock_detected', { code: '40P01' }],
    ['PostgreSQL serialization_failure', { code: '40001' }],
  ])('%s is a deadlock: the transaction may run again', (_name, driverError) => {
    expect(isDeadlock(failed(driverError))).toBe(true);
  });

  it.each([
    ['a unique violation', { code: '23505' }],
    ['a lock wait timeout', { code: 'ER_LOCK_WAIT_TIMEOUT', errno: 1205 }],
    ['a lost connection', { code: 'PROTOCOL_CONNECTION_LOST' }],
  ])('%s is not', (_name, driverError) => {
    expect(isDeadlock(failed(driverError))).toBe(false);
  });

  it('an error that is not a failed query is not', () => {
    expect(isDeadlock(new Error('ER_LOCK_DEADLOCK'))).toBe(false);
  });
});
