// Keeps the load generator and the servers off each other's cores, so a server's figure does not
// depend on how the scheduler happened to share a core with autocannon in that second. With
// `taskset` (util-linux) and at least 2 CPUs: the bench process (autocannon, the flow loop) gets
// the first CPU (a quarter of them on bigger machines), the servers and PostgreSQL the rest.
// Without taskset, on one CPU, or with BENCH_PIN=off, nothing is pinned and the plan says why.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';

export interface PinningPlan {
  /** CPUs of the bench process: autocannon and the flow loop. */
  load?: number[];
  /** CPUs of every server process and of the PostgreSQL cluster the bench starts. */
  servers?: number[];
  /** Why nothing is pinned, or what is (for the log and the report). */
  note: string;
}

export function planPinning(): PinningPlan {
  if (/^(0|off|false|no)$/i.test(process.env.BENCH_PIN ?? ''))
    return { note: 'not pinned: BENCH_PIN=off' };
  if (!hasTaskset()) return { note: 'not pinned: taskset (util-linux) is not installed' };
  const cpus = affinity(process.pid);
  if (!cpus || cpus.length < 2)
    return {
      note: `not pinned: this process may use ${cpus?.length ?? 'an unknown number of'} CPU(s)`,
    };
  const loadCount = Math.max(1, Math.floor(cpus.length / 4));
  const load = cpus.slice(0, loadCount);
  const servers = cpus.slice(loadCount);
  return {
    load,
    servers,
    note: `pinned with taskset: load generator on CPU ${load.join(',')}, servers and PostgreSQL on CPU ${servers.join(',')}`,
  };
}

function hasTaskset(): boolean {
  try {
    execFileSync('sh', ['-c', 'command -v taskset'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** The CPUs `pid` may run on ("pid 1's current affinity list: 0,2-3"), or undefined. */
function affinity(pid: number): number[] | undefined {
  try {
    const output = execFileSync('taskset', ['-c', '-p', String(pid)], { encoding: 'utf8' });
    return parseCpuList(output.slice(output.lastIndexOf(':') + 1).trim());
  } catch {
    return undefined;
  }
}

export function parseCpuList(list: string): number[] {
  return list.split(',').flatMap((range) => {
    const [from, to = from] = range.split('-').map(Number);
    return Array.from({ length: to - from + 1 }, (_, i) => from + i);
  });
}

/**
 * Pins `pid`, all its threads, and (with `withChildren`) every process descending from it, to
 * `cpus`. Threads and processes started later inherit it. Returns an error text, or undefined.
 */
export function pin(pid: number, cpus: number[], withChildren = false): string | undefined {
  const pids = withChildren ? [pid, ...descendants(pid)] : [pid];
  for (const target of pids) {
    try {
      execFileSync('taskset', ['-a', '-c', '-p', cpus.join(','), String(target)], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
    } catch (error) {
      // A child that ended in the meantime is no failure.
      if (target !== pid && !fs.existsSync(`/proc/${target}`)) continue;
      return `could not pin pid ${target}: ${(error as { stderr?: Buffer }).stderr?.toString().trim() ?? error}`;
    }
  }
  return undefined;
}

/** Every process below `pid`, from the parent pids in /proc/<pid>/stat. */
function descendants(pid: number): number[] {
  const parents = new Map<number, number[]>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The command name (2nd field) may hold spaces and parentheses: parse after its last ')'.
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(parent, [...(parents.get(parent) ?? []), Number(entry)]);
    } catch {
      // ended while we looked
    }
  }
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const children = parents.get(queue.shift()!) ?? [];
    found.push(...children);
    queue.push(...children);
  }
  return found;
}
