import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import Database from 'better-sqlite3';
import { DatabaseError } from 'pg';
import { QueryFailedError } from 'typeorm';
import { isDatabaseUnavailable } from './database-unavailable';

// Shapes captured from the real drivers (pg 8, mysql2 3, better-sqlite3, TypeORM 0.3) while a
// throwaway PostgreSQL / MariaDB was stopped (pg_ctl stop -m fast / -m smart / -m immediate,
// SIGTERM) and restarted: see test/e2e/database-outage.e2e.spec.ts for the same on the endpoints.

/** A pg server error (pg-protocol's DatabaseError) as pg builds it from an ErrorResponse. */
function pgError(code: string, message: string, severity = 'FATAL'): DatabaseError {
  return Object.assign(new DatabaseError(message, 100, 'error'), { code, severity });
}

/** An error of mysql2 (an Error with code, errno, sqlState, fatal). */
function mysqlError(fields: object, message: string): Error {
  return Object.assign(new Error(message), fields);
}

/** How the fast SQL stores and TypeORM's query runners rethrow a driver error. */
const failed = (driverError: Error) => new QueryFailedError('SELECT ...', [], driverError);

/** A real "connection refused" from Node's socket layer. */
async function refusedConnection(): Promise<Error> {
  const port = await new Promise<number>((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
  return new Promise((resolve) => {
    net.connect(port, '127.0.0.1').on('error', resolve);
  });
}

describe('isDatabaseUnavailable', () => {
  describe('PostgreSQL (pg)', () => {
    it('recognises a refused connection, as TypeORM and the pool report it (not wrapped)', async () => {
      const refused = await refusedConnection();
      expect(refused).toMatchObject({ code: 'ECONNREFUSED', syscall: 'connect' });
      expect(isDatabaseUnavailable(refused)).toBe(true);
      expect(isDatabaseUnavailable(failed(refused))).toBe(true);
    });

    it('recognises an AggregateError of refused connections (several addresses tried)', async () => {
      const refused = await refusedConnection();
      expect(isDatabaseUnavailable(new AggregateError([refused, refused]))).toBe(true);
    });

    it.each([
      ['57P01', 'terminating connection due to administrator command'], // pg_ctl stop -m fast
      ['57P02', 'terminating connection due to unexpected postmaster exit'],
      ['57P03', 'the database system is shutting down'], // pg_ctl stop -m smart, new sessions
      ['57P03', 'the database system is starting up'],
      ['53300', 'sorry, too many clients already'],
      ['08006', 'connection failure'],
      ['08001', 'could not connect to server'],
    ])('recognises SQLSTATE %s (%s), raw and in a QueryFailedError', (code, message) => {
      expect(isDatabaseUnavailable(pgError(code, message))).toBe(true);
      expect(isDatabaseUnavailable(failed(pgError(code, message)))).toBe(true);
    });

    it.each([
      'Connection terminated unexpectedly', // pg_ctl stop -m immediate during a query
      'Client has encountered a connection error and is not queryable', // that client again
      'Connection terminated due to connection timeout', // pg-pool connectionTimeoutMillis
      'timeout exceeded when trying to connect', // pg-pool waiting for a client
    ])('recognises the codeless pg error "%s"', (message) => {
      expect(isDatabaseUnavailable(new Error(message))).toBe(true);
      expect(isDatabaseUnavailable(failed(new Error(message)))).toBe(true);
    });

    it('does not take a query or data fault for an outage', () => {
      for (const [code, message] of [
        ['23505', 'duplicate key value violates unique constraint "t_pkey"'],
        ['42601', 'syntax error at or near "SELEC"'],
        ['22001', 'value too long for type character varying(10)'],
        ['28P01', 'password authentication failed for user "x"'],
        ['40P01', 'deadlock detected'],
      ]) {
        expect(isDatabaseUnavailable(failed(pgError(code, message, 'ERROR')))).toBe(false);
      }
    });
  });

  describe('MySQL / MariaDB (mysql2)', () => {
    it.each([
      // Captured: a query in flight while mariadbd shuts down (SIGTERM).
      [
        { code: 'PROTOCOL_CONNECTION_LOST', fatal: true },
        'Connection lost: The server closed the connection.',
      ],
      // Captured: every query while it is down (TypeORM's pool connects, not wrapped).
      [
        { code: 'ECONNREFUSED', errno: -111, syscall: 'connect', fatal: true },
        'connect ECONNREFUSED 127.0.0.1:3306',
      ],
      [
        { code: 'ER_SERVER_SHUTDOWN', errno: 1053, sqlState: '08S01' },
        'Server shutdown in progress',
      ],
      [{ code: 'ER_CON_COUNT_ERROR', errno: 1040, sqlState: '08004' }, 'Too many connections'],
      [{ errno: 2002 }, "Can't connect to local server through socket"],
      [{ errno: 2003 }, "Can't connect to MySQL server"],
      [{ errno: 2006 }, 'MySQL server has gone away'],
      [{ errno: 2013 }, 'Lost connection to server during query'],
      [{ code: 'ETIMEDOUT', fatal: true }, 'connect ETIMEDOUT'],
      [{}, "Can't add new command when connection is in closed state"],
    ])('recognises %j (%s)', (fields, message) => {
      expect(isDatabaseUnavailable(mysqlError(fields, message))).toBe(true);
      expect(isDatabaseUnavailable(failed(mysqlError(fields, message)))).toBe(true);
    });

    it('does not take a query or data fault for an outage', () => {
      for (const [fields, message] of [
        [
          { code: 'ER_DUP_ENTRY', errno: 1062, sqlState: '23000' },
          "Duplicate entry '1' for key 'PRIMARY'",
        ],
        [
          { code: 'ER_PARSE_ERROR', errno: 1064, sqlState: '42000' },
          'You have an error in your SQL syntax',
        ],
        [{ code: 'ER_DATA_TOO_LONG', errno: 1406, sqlState: '22001' }, 'Data too long'],
        [{ code: 'ER_LOCK_DEADLOCK', errno: 1213, sqlState: '40001' }, 'Deadlock found'],
      ] as const) {
        expect(isDatabaseUnavailable(failed(mysqlError(fields, message)))).toBe(false);
      }
    });
  });

  describe('SQLite (better-sqlite3)', () => {
    let dir: string;
    beforeAll(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oauth-busy-'));
    });
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

    it('recognises SQLITE_BUSY: another connection holds the database locked', () => {
      const file = path.join(dir, 'busy.db');
      const holder = new Database(file);
      const other = new Database(file, { timeout: 0 });
      try {
        holder.exec('CREATE TABLE t (id INTEGER)');
        holder.exec('BEGIN EXCLUSIVE');
        let busy: unknown;
        try {
          other.prepare('SELECT * FROM t').all();
        } catch (error) {
          busy = error;
        }
        expect(busy).toMatchObject({ code: 'SQLITE_BUSY', message: 'database is locked' });
        expect(isDatabaseUnavailable(busy)).toBe(true);
        expect(isDatabaseUnavailable(failed(busy as Error))).toBe(true);
      } finally {
        holder.close();
        other.close();
      }
    });

    it('does not take a constraint or syntax error for an outage', () => {
      const db = new Database(':memory:');
      try {
        db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY)');
        db.exec('INSERT INTO t VALUES (1)');
        expect(() => db.exec('INSERT INTO t VALUES (1)')).toThrow(
          expect.objectContaining({ code: 'SQLITE_CONSTRAINT_PRIMARYKEY' }),
        );
        for (const statement of ['INSERT INTO t VALUES (1)', 'SELEC 1']) {
          try {
            db.exec(statement);
          } catch (error) {
            expect(isDatabaseUnavailable(failed(error as Error))).toBe(false);
          }
        }
      } finally {
        db.close();
      }
    });
  });

  it('is false for anything that is not a database error', () => {
    expect(isDatabaseUnavailable(undefined)).toBe(false);
    expect(isDatabaseUnavailable('ECONNREFUSED')).toBe(false);
    expect(isDatabaseUnavailable(new Error('database is locked'))).toBe(false);
    expect(isDatabaseUnavailable(new TypeError('x is undefined'))).toBe(false);
  });
});
