// An app run as a Node child process (TypeScript through @swc-node/register), so a test can
// kill it with SIGKILL in the middle of requests. Its output is kept (the last lines) to show
// when a test fails; it is considered ready when it prints `readyLine` on stdout.
import { ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const KEPT_LINES = 5000;
const SHOWN_LINES = 200;

export interface AppProcessOptions {
  /** For messages: "instance A". */
  name: string;
  /** The entry point, relative to the repository root. */
  script: string;
  env: Record<string, string>;
  readyLine: string;
  /** How long to wait for readyLine. Default 30 s. */
  readyTimeoutMs?: number;
}

export interface AppProcess {
  readonly name: string;
  readonly pid: number;
  /** Whether the process has exited. */
  readonly exited: boolean;
  /** Exit code or signal, once exited. */
  readonly exitStatus: string | undefined;
  /** True once kill() was called: an exit after that is expected. */
  readonly killed: boolean;
  /** The last lines it wrote (stdout and stderr interleaved), for failure messages. */
  output(): string;
  /** How many of its (kept) output lines match `pattern`. */
  countLines(pattern: RegExp): number;
  /** Sends `signal` (default SIGKILL) and waits for the exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Never leave children behind, even when the test process exits without cleaning up. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of running) child.kill('SIGKILL');
  });
}

export function startAppProcess(options: AppProcessOptions): Promise<AppProcess> {
  installExitHook();
  const lines: string[] = [];
  let allLines = 0;
  const child = spawn(process.execPath, ['-r', '@swc-node/register', options.script], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let exitStatus: string | undefined;
  let killed = false;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exitStatus = signal ?? `code ${code}`;
      running.delete(child);
      resolve();
    });
  });

  let ready: (() => void) | undefined;
  const onLine = (line: string) => {
    allLines++;
    lines.push(line);
    if (lines.length > KEPT_LINES) lines.shift();
    if (line.trim() === options.readyLine) ready?.();
  };
  for (const stream of [child.stdout!, child.stderr!]) {
    let partial = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      const parts = (partial + chunk).split('\n');
      partial = parts.pop()!;
      parts.forEach(onLine);
    });
  }

  const handle: AppProcess = {
    name: options.name,
    pid: child.pid!,
    get exited() {
      return exitStatus !== undefined;
    },
    get exitStatus() {
      return exitStatus;
    },
    get killed() {
      return killed;
    },
    output: () => {
      const shown = lines.slice(-SHOWN_LINES);
      const skipped = allLines - shown.length;
      return (skipped > 0 ? `[${skipped} earlier lines]\n` : '') + shown.join('\n');
    },
    countLines: (pattern) => lines.filter((line) => pattern.test(line)).length,
    kill: async (signal = 'SIGKILL') => {
      killed = true;
      if (exitStatus === undefined) child.kill(signal);
      await exited;
    },
  };

  const timeoutMs = options.readyTimeoutMs ?? 30_000;
  return new Promise<AppProcess>((resolve, reject) => {
    const timer = setTimeout(() => {
      void handle
        .kill()
        .then(() =>
          reject(new Error(`${options.name} not ready after ${timeoutMs} ms:\n${handle.output()}`)),
        );
    }, timeoutMs);
    ready = () => {
      ready = undefined;
      clearTimeout(timer);
      resolve(handle);
    };
    void exited.then(() => {
      if (!ready) return;
      clearTimeout(timer);
      reject(
        new Error(
          `${options.name} exited (${exitStatus}) before it was ready:\n${handle.output()}`,
        ),
      );
    });
  });
}
