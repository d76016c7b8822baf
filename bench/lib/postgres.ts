// What the bench asks of its PostgreSQL server: the version (for the report) and the
// postmaster's pid (to pin the cluster's processes next to the servers).
import * as fs from 'node:fs';
import { Client } from 'pg';

async function query<T>(url: string, sql: string): Promise<T | undefined> {
  const client = new Client({ connectionString: url });
  try {
    await client.connect();
    return (await client.query(sql)).rows[0] as T;
  } catch {
    return undefined;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function pgVersion(url: string): Promise<string | undefined> {
  return (await query<{ server_version: string }>(url, 'SHOW server_version'))?.server_version;
}

/**
 * The postmaster's pid: the parent of the backend serving our connection. Undefined when the
 * server is not a process of this machine's /proc (e.g. a TEST_POSTGRES_URL elsewhere).
 */
export async function postmasterPid(url: string): Promise<number | undefined> {
  const backend = (await query<{ pid: number }>(url, 'SELECT pg_backend_pid() AS pid'))?.pid;
  if (backend === undefined) return undefined;
  try {
    const stat = fs.readFileSync(`/proc/${backend}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}
