// Throwaway MariaDB server and databases for the e2e suites.
//
// startThrowawayMariadb() runs mariadb-install-db and mariadbd in a temporary directory
// (Debian's mariadb-server package; its own service need not run), listening on 127.0.0.1 only,
// tuned for speed (no durability, no binary log), and returns a URL with a dedicated user.
// createTestMariadbDatabase() makes a uniquely named database so each suite gets a clean slate.
//
// The server keeps MariaDB's default collation (case-insensitive utf8mb4_general_ci) on purpose:
// the module's migration must itself make its tables compare case-sensitively.
import { ChildProcess, execFile, spawn } from 'child_process';
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { promisify } from 'util';
import { createConnection, type Connection, type ConnectionOptions } from 'mysql2/promise';
import { freePort } from './free-port';
import { errorText, isExecutable, readLog, TestDatabase, withDatabase } from './server-process';

const execFileAsync = promisify(execFile);

export interface ThrowawayMariadb {
  /** mysql://user:password@127.0.0.1:port/ (no database). */
  url: string;
  /** Stops the server and removes its data. */
  stop(): Promise<void>;
  /**
   * Shuts the server down normally (SIGTERM), keeping its data; `startServer()` starts it again
   * on the same port and data directory. Only for a server of our own (`{ dedicated: true }` or
   * no TEST_MARIADB_URL).
   */
  stopServer(): Promise<void>;
  startServer(): Promise<void>;
}

const USER = 'oauth_test';
const PASSWORD = 'oauth_test';

function findExecutable(names: string[]): string | undefined {
  const dirs = [
    ...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean),
    '/usr/local/sbin',
    '/usr/local/bin',
    '/usr/sbin',
    '/usr/bin',
  ];
  for (const name of names) {
    for (const dir of dirs) {
      const file = path.join(dir, name);
      if (isExecutable(file)) return file;
    }
  }
  return undefined;
}

/** Polls until the server answers a ping over `options`, the process dies, or the time is up. */
async function waitUntilReady(
  options: ConnectionOptions,
  server: ChildProcess,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    if (server.exitCode !== null || server.signalCode !== null) {
      throw new Error(`mariadbd exited (${server.exitCode ?? server.signalCode}) while starting`);
    }
    try {
      const connection = await createConnection({ ...options, connectTimeout: 1000 });
      try {
        await connection.ping();
        return;
      } finally {
        await connection.end();
      }
    } catch (err) {
      last = err;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(`mariadbd did not accept connections within ${timeoutMs}ms: ${String(last)}`);
}

/**
 * Starts a throwaway MariaDB server, or reuses TEST_MARIADB_URL when set (then stop() does
 * nothing) unless `dedicated` asks for a server of its own (a spec that stops the server must
 * not stop everyone's). The server lives in a temp dir that stop() removes.
 */
export async function startThrowawayMariadb(
  options: { dedicated?: boolean } = {},
): Promise<ThrowawayMariadb> {
  const existing = process.env.TEST_MARIADB_URL;
  if (existing && !options.dedicated) {
    const notOurs = () => Promise.reject(new Error('TEST_MARIADB_URL is not a server of ours'));
    return {
      url: existing,
      stop: async () => undefined,
      stopServer: notOurs,
      startServer: notOurs,
    };
  }

  const installDb = findExecutable(['mariadb-install-db', 'mysql_install_db']);
  const mariadbd = findExecutable(['mariadbd', 'mysqld']);
  if (!installDb || !mariadbd) {
    throw new Error(
      'MariaDB binaries (mariadb-install-db, mariadbd) not found on PATH or in /usr/sbin. ' +
        'Install MariaDB (apt-get install mariadb-server, as .ci/run does) or set TEST_MARIADB_URL to an existing server.',
    );
  }
  // mariadbd refuses to run as root unless told to; it only ever touches this temp dir.
  const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const userArgs = asRoot ? ['--user=root'] : [];
  const root = fs.mkdtempSync(
    path.join(fs.existsSync('/tmp') ? '/tmp' : os.tmpdir(), 'oauth-mdb-'),
  );
  const dataDir = path.join(root, 'data');
  const socket = path.join(root, 'mariadbd.sock');
  const logFile = path.join(root, 'server.log');
  // A temporary folder of its own: servers started at once (parallel test runs) must not share
  // /tmp for their internal temporary tables.
  const tmpDir = path.join(root, 'tmp');
  fs.mkdirSync(tmpDir);
  const env = { ...process.env, TMPDIR: tmpDir };

  let server: ChildProcess | undefined;
  const stopSync = () => {
    if (server && server.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
    fs.rmSync(root, { recursive: true, force: true });
  };
  // Do not leak a server if the process exits without calling stop().
  process.on('exit', stopSync);

  try {
    try {
      // --no-defaults everywhere: never read /etc/mysql (the Debian service's configuration).
      await execFileAsync(
        installDb,
        [
          '--no-defaults',
          `--datadir=${dataDir}`,
          ...userArgs,
          '--auth-root-authentication-method=normal',
          '--skip-test-db',
          '--skip-name-resolve',
        ],
        { cwd: root, env, maxBuffer: 16 * 1024 * 1024 },
      );
    } catch (err) {
      throw new Error(`mariadb-install-db failed:\n${errorText(err)}`, { cause: err });
    }

    const port = await freePort();
    const launch = () => {
      const started = spawn(
        mariadbd,
        [
          '--no-defaults',
          `--datadir=${dataDir}`,
          ...userArgs,
          `--port=${port}`,
          '--bind-address=127.0.0.1',
          `--socket=${socket}`,
          `--pid-file=${path.join(root, 'mariadbd.pid')}`,
          `--log-error=${logFile}`,
          '--skip-name-resolve',
          '--skip-log-bin',
          '--sync-binlog=0',
          '--innodb-flush-log-at-trx-commit=0',
          '--innodb-flush-method=nosync',
          '--innodb-doublewrite=0',
          '--innodb-buffer-pool-size=128M',
          '--innodb-log-file-size=64M',
          '--character-set-server=utf8mb4',
          '--max-connections=500',
          `--tmpdir=${tmpDir}`,
        ],
        { cwd: root, env, stdio: 'ignore' },
      );
      // The Jest process must not wait for the server: stop() ends it.
      started.unref();
      return started;
    };
    server = launch();

    try {
      // As root over the socket first: the install made root@localhost without a password.
      await waitUntilReady({ socketPath: socket, user: 'root' }, server, 60_000);
      const admin = await createConnection({ socketPath: socket, user: 'root' });
      try {
        await admin.query(`CREATE USER '${USER}'@'127.0.0.1' IDENTIFIED BY '${PASSWORD}'`);
        await admin.query(`GRANT ALL PRIVILEGES ON *.* TO '${USER}'@'127.0.0.1'`);
      } finally {
        await admin.end();
      }
    } catch (err) {
      const log = readLog(logFile);
      console.error(`MariaDB failed to start; server log:\n${log}`);
      throw new Error(`mariadbd did not start:\n${errorText(err)}\n--- server log ---\n${log}`, {
        cause: err,
      });
    }

    let stopped = false;
    let running = server;
    return {
      url: `mysql://${USER}:${PASSWORD}@127.0.0.1:${port}/`,
      stop: async () => {
        if (stopped) return;
        stopped = true;
        // The data is thrown away, so there is nothing to shut down cleanly. ref(): otherwise
        // Node may exit while waiting for the exit event, leaving the temp dir behind.
        if (running.exitCode === null && running.signalCode === null) {
          running.ref();
          const exited = new Promise((resolve) => running.once('exit', resolve));
          running.kill('SIGKILL');
          await exited;
        }
        fs.rmSync(root, { recursive: true, force: true });
        process.removeListener('exit', stopSync);
      },
      stopServer: async () => {
        if (running.exitCode !== null || running.signalCode !== null) return;
        running.ref();
        const exited = new Promise((resolve) => running.once('exit', resolve));
        running.kill('SIGTERM');
        await exited;
      },
      startServer: async () => {
        running = server = launch();
        await waitUntilReady({ socketPath: socket, user: 'root' }, running, 60_000);
      },
    };
  } catch (err) {
    process.removeListener('exit', stopSync);
    stopSync();
    throw err;
  }
}

/** mysql2 connection options for a mysql:// URL. */
export function mariadbConnectionOptions(url: string): ConnectionOptions {
  const parsed = new URL(url);
  return {
    host: parsed.hostname,
    port: Number(parsed.port || 3306),
    user: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
    database: decodeURIComponent(parsed.pathname.slice(1)) || undefined,
  };
}

async function withConnection<T>(
  serverUrl: string,
  fn: (connection: Connection) => Promise<T>,
): Promise<T> {
  const connection = await createConnection(mariadbConnectionOptions(serverUrl));
  try {
    return await fn(connection);
  } finally {
    await connection.end();
  }
}

/** Creates a uniquely named database (server defaults: utf8mb4, case-insensitive); drop() removes it. */
export async function createTestMariadbDatabase(serverUrl: string): Promise<TestDatabase> {
  const name = `oauth_test_${process.pid}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  await withConnection(serverUrl, (connection) => connection.query(`CREATE DATABASE \`${name}\``));
  let dropped = false;
  return {
    url: withDatabase(serverUrl, name),
    drop: async () => {
      if (dropped) return;
      dropped = true;
      await withConnection(serverUrl, async (connection) => {
        // Like PostgreSQL's DROP DATABASE ... WITH (FORCE): a connection left open (in a
        // transaction) would otherwise make the DROP wait for its metadata lock.
        const [rows] = await connection.query(
          'SELECT id FROM information_schema.processlist WHERE db = ? AND id <> CONNECTION_ID()',
          [name],
        );
        for (const { id } of rows as { id: number }[]) {
          await connection.query(`KILL ${Number(id)}`).catch(() => undefined);
        }
        await connection.query(`DROP DATABASE IF EXISTS \`${name}\``);
      });
    },
  };
}

/** The MariaDB server of this Jest run (global-setup.ts sets TEST_MARIADB_URL). */
export function testMariadbUrl(): string {
  const url = process.env.TEST_MARIADB_URL;
  if (!url) {
    throw new Error(
      'TEST_MARIADB_URL is not set: run the tests through jest (test/support/global-setup.ts starts MariaDB) ' +
        'or point TEST_MARIADB_URL at a server.',
    );
  }
  return url;
}
