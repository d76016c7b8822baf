// Throwaway PostgreSQL clusters and databases for the e2e suites.
//
// startThrowawayPostgres() runs initdb + pg_ctl in a temporary directory (as an
// unprivileged user when we are root, because initdb refuses to run as root),
// tuned for speed (no fsync), and returns its URL. createTestDatabase() makes a
// uniquely named database on a server so each suite gets a clean slate.
import { execFile, execFileSync } from 'child_process';
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { promisify } from 'util';
import { Client } from 'pg';
import { freePort } from './free-port';
import { errorText, isExecutable, readLog, TestDatabase, withDatabase } from './server-process';

const execFileAsync = promisify(execFile);

export interface ThrowawayPostgres {
  url: string;
  /** Stops the server and removes its data. */
  stop(): Promise<void>;
  /**
   * Stops the server like an operator would (`pg_ctl stop -m fast`: sessions are terminated
   * with 57P01), keeping its data; `startServer()` starts it again on the same port and data
   * directory. Only for a cluster of our own (`{ dedicated: true }` or no TEST_POSTGRES_URL).
   */
  stopServer(): Promise<void>;
  startServer(): Promise<void>;
  /**
   * Stops the same cluster with `pg_ctl stop -m <mode>` (default `fast`: every session ends,
   * clients see "terminating connection due to administrator command"; `immediate` crashes it,
   * to recover from the WAL), keeps it down for `downMs` (default 0), then starts it again with
   * the same data directory and port. Resolves once it accepts connections again. Throws on a
   * server reused from TEST_POSTGRES_URL.
   */
  restart(options?: PostgresRestartOptions): Promise<void>;
}

export interface PostgresRestartOptions {
  mode?: 'smart' | 'fast' | 'immediate';
  downMs?: number;
}

export interface ThrowawayPostgresOptions {
  /**
   * Always start a cluster of our own, even when TEST_POSTGRES_URL is set (the fault test
   * restarts its server, which must not be the one the other suites share).
   */
  dedicated?: boolean;
}

interface PgBinaries {
  initdb: string;
  pgCtl: string;
}

/** Finds initdb and pg_ctl: PATH first, then /usr/local/bin, then the newest /usr/lib/postgresql/N/bin. */
export function findPgBinaries(): PgBinaries {
  const dirs: string[] = [
    ...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean),
    '/usr/local/bin',
  ];
  try {
    const versions = fs
      .readdirSync('/usr/lib/postgresql')
      .filter((v) => /^\d+(\.\d+)?$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    for (const v of versions) dirs.push(path.join('/usr/lib/postgresql', v, 'bin'));
  } catch {
    // no Debian-style install
  }
  for (const dir of dirs) {
    const initdb = path.join(dir, 'initdb');
    const pgCtl = path.join(dir, 'pg_ctl');
    if (isExecutable(initdb) && isExecutable(pgCtl)) return { initdb, pgCtl };
  }
  throw new Error(
    'PostgreSQL binaries (initdb, pg_ctl) not found on PATH, /usr/local/bin or /usr/lib/postgresql/*/bin. ' +
      'Install PostgreSQL (e.g. apt-get install postgresql) or set TEST_POSTGRES_URL to an existing server.',
  );
}

interface RunAs {
  /** Prefix that makes a command run as the unprivileged user (empty when not root). */
  prefix: string[];
  uid?: number;
  gid?: number;
}

function userIds(user: string): { uid: number; gid: number } | undefined {
  try {
    const uid = Number(
      execFileSync('id', ['-u', user], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }).trim(),
    );
    const gid = Number(
      execFileSync('id', ['-g', user], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }).trim(),
    );
    if (Number.isInteger(uid) && Number.isInteger(gid) && uid !== 0) return { uid, gid };
  } catch {
    // no such user
  }
  return undefined;
}

function onPath(cmd: string): string | undefined {
  const dirs = [
    ...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean),
    '/usr/sbin',
    '/usr/bin',
    '/sbin',
    '/bin',
  ];
  for (const dir of dirs) {
    const file = path.join(dir, cmd);
    if (isExecutable(file)) return file;
  }
  return undefined;
}

function resolveRunAs(): RunAs {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return { prefix: [] };
  let user = 'nobody';
  let ids = userIds(user);
  if (!ids) {
    user = 'oauthtest';
    ids = userIds(user);
    if (!ids) {
      execFileSync(onPath('useradd') ?? 'useradd', ['-r', '-M', '-s', '/usr/sbin/nologin', user], {
        stdio: 'inherit',
      });
      ids = userIds(user);
      if (!ids) throw new Error(`could not create the unprivileged user ${user} for PostgreSQL`);
    }
  }
  const runuser = onPath('runuser');
  if (runuser) return { prefix: [runuser, '-u', user, '--'], ...ids };
  const setpriv = onPath('setpriv');
  if (setpriv) {
    return {
      prefix: [setpriv, `--reuid=${ids.uid}`, `--regid=${ids.gid}`, '--clear-groups'],
      ...ids,
    };
  }
  throw new Error(
    'running as root, but neither runuser nor setpriv is available to drop privileges for PostgreSQL',
  );
}

/**
 * Starts a throwaway PostgreSQL cluster, or reuses TEST_POSTGRES_URL when set and `dedicated`
 * is not (then stop() does nothing; a spec that stops the server must not stop everyone's). The
 * cluster lives in a temp dir that stop() removes.
 */
export async function startThrowawayPostgres(
  options: ThrowawayPostgresOptions = {},
): Promise<ThrowawayPostgres> {
  const existing = options.dedicated ? undefined : process.env.TEST_POSTGRES_URL;
  if (existing) {
    const notOurs = () => Promise.reject(new Error('TEST_POSTGRES_URL is not a server of ours'));
    return {
      url: existing,
      stop: async () => undefined,
      stopServer: notOurs,
      startServer: notOurs,
      restart: notOurs,
    };
  }

  const { initdb, pgCtl } = findPgBinaries();
  const runAs = resolveRunAs();
  // As root, os.tmpdir() may point somewhere the unprivileged user cannot traverse.
  const base = runAs.uid !== undefined && fs.existsSync('/tmp') ? '/tmp' : os.tmpdir();
  const root = fs.mkdtempSync(path.join(base, 'oauth-pg-'));
  const dataDir = path.join(root, 'data');
  const logFile = path.join(root, 'server.log');
  if (runAs.uid !== undefined && runAs.gid !== undefined) fs.chownSync(root, runAs.uid, runAs.gid);

  const run = (file: string, args: string[]) => {
    const [cmd, ...prefixArgs] = [...runAs.prefix, file];
    return execFileAsync(cmd, [...prefixArgs, ...args], {
      cwd: root,
      env: { ...process.env, LC_ALL: 'C', PGTZ: 'UTC' },
      maxBuffer: 16 * 1024 * 1024,
    });
  };
  const stopSync = () => {
    try {
      const [cmd, ...prefixArgs] = [...runAs.prefix, pgCtl];
      execFileSync(cmd, [...prefixArgs, '-D', dataDir, '-m', 'immediate', '-w', 'stop'], {
        cwd: root,
        stdio: 'ignore',
      });
    } catch {
      // not running
    }
    fs.rmSync(root, { recursive: true, force: true });
  };
  // Do not leak a server if the process exits without calling stop().
  process.on('exit', stopSync);

  try {
    try {
      await run(initdb, [
        '-D',
        dataDir,
        '-A',
        'trust',
        '-U',
        'postgres',
        '--no-sync',
        '-E',
        'UTF8',
        '--locale=C',
      ]);
    } catch (err) {
      throw new Error(`initdb failed:\n${errorText(err)}`, { cause: err });
    }
    const port = await freePort();
    const serverOptions = [
      `-p ${port}`,
      `-k '${root}'`,
      '-c fsync=off',
      '-c synchronous_commit=off',
      '-c full_page_writes=off',
      '-c listen_addresses=127.0.0.1',
      '-c max_connections=200',
    ].join(' ');
    const startServer = async () => {
      try {
        await run(pgCtl, [
          '-w',
          '-t',
          '60',
          '-D',
          dataDir,
          '-l',
          logFile,
          '-o',
          serverOptions,
          'start',
        ]);
      } catch (err) {
        const log = readLog(logFile);
        console.error(`PostgreSQL failed to start; server log:\n${log}`);
        throw new Error(`pg_ctl start failed:\n${errorText(err)}\n--- server log ---\n${log}`, {
          cause: err,
        });
      }
    };
    await startServer();

    let stopped = false;
    return {
      url: `postgres://postgres@127.0.0.1:${port}/postgres`,
      stop: async () => {
        if (stopped) return;
        stopped = true;
        process.removeListener('exit', stopSync);
        try {
          await run(pgCtl, ['-D', dataDir, '-m', 'immediate', '-w', 'stop']);
        } catch {
          // already gone
        }
        fs.rmSync(root, { recursive: true, force: true });
      },
      stopServer: async () => {
        await run(pgCtl, ['-D', dataDir, '-m', 'fast', '-w', 'stop']);
      },
      startServer,
      restart: async ({ mode = 'fast', downMs = 0 }: PostgresRestartOptions = {}) => {
        if (stopped) throw new Error('this PostgreSQL cluster was stopped');
        try {
          await run(pgCtl, ['-D', dataDir, '-m', mode, '-w', '-t', '60', 'stop']);
        } catch (err) {
          throw new Error(
            `pg_ctl stop failed:\n${errorText(err)}\n--- server log ---\n${readLog(logFile)}`,
            { cause: err },
          );
        }
        if (downMs > 0) await new Promise((resolve) => setTimeout(resolve, downMs));
        await startServer();
      },
    };
  } catch (err) {
    process.removeListener('exit', stopSync);
    stopSync();
    throw err;
  }
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

async function withClient<T>(serverUrl: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: serverUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Creates a uniquely named database on the server at serverUrl; drop() removes it (even with open connections). */
export async function createTestDatabase(serverUrl: string): Promise<TestDatabase> {
  const name = `oauth_test_${process.pid}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  await withClient(serverUrl, (client) => client.query(`CREATE DATABASE ${quoteIdent(name)}`));
  let dropped = false;
  return {
    url: withDatabase(serverUrl, name),
    drop: async () => {
      if (dropped) return;
      dropped = true;
      await withClient(serverUrl, (client) =>
        client.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`),
      );
    },
  };
}
