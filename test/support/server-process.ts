// What the throwaway database servers of the tests (postgres.ts, mariadb.ts) share.
import * as fs from 'fs';

/** One database on a test server, dropped by `drop()`. */
export interface TestDatabase {
  /** The server URL with this database. */
  url: string;
  drop(): Promise<void>;
}

export function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** A failed child process's message with its output, for the error a test run shows. */
export function errorText(err: unknown): string {
  const e = err as { message?: string; stdout?: string; stderr?: string };
  return [e?.message, e?.stdout, e?.stderr].filter(Boolean).join('\n');
}

export function readLog(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '(no server log)';
  }
}

/** `serverUrl` pointing at `database`. */
export function withDatabase(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${encodeURIComponent(database)}`;
  return url.toString();
}
