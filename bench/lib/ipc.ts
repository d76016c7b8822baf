// A bench server runs in its own process (its own event loop, its own CPU profile) and answers
// set-up commands from bench/run.ts over the fork() IPC channel.
import { fork, ChildProcess } from 'node:child_process';
import * as path from 'node:path';

type Handler = (args: unknown) => unknown;

interface Request {
  id: number;
  command: string;
  args: unknown;
}

/** In a server process: announce the URL, then answer commands until the parent disconnects. */
export function serveCommands(
  url: string,
  handlers: Record<string, Handler>,
  close: () => Promise<void>,
): void {
  process.on('message', (message: Request) => {
    const handler = handlers[message.command];
    Promise.resolve()
      .then(() => {
        if (message.command === 'stop') return close();
        if (!handler) throw new Error(`unknown command ${message.command}`);
        return handler(message.args);
      })
      .then(
        (result) => process.send!({ id: message.id, result }),
        (error: unknown) =>
          process.send!({
            id: message.id,
            error: error instanceof Error ? error.stack : String(error),
          }),
      )
      .then(() => {
        if (message.command === 'stop') process.disconnect();
      });
  });
  process.on('disconnect', () => void close().finally(() => process.exit(0)));
  process.send!({ ready: true, url });
}

export interface BenchServer {
  name: string;
  url: string;
  pid: number;
  call<T>(command: string, args?: unknown): Promise<T>;
  stop(): Promise<void>;
}

/**
 * Forks `bench/servers/<file>` under @swc-node/register with `env`, waits for its URL.
 * `nodeOptions` go to the child's node (e.g. --cpu-prof).
 */
export function startServer(
  name: string,
  file: string,
  env: Record<string, string>,
  nodeOptions: string[] = [],
): Promise<BenchServer> {
  const child: ChildProcess = fork(path.join(__dirname, '..', 'servers', file), [], {
    execArgv: ['-r', '@swc-node/register', ...nodeOptions],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let nextId = 1;
  const pending = new Map<
    number,
    { resolve: (value: unknown) => void; reject: (error: Error) => void }
  >();
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => {
      const error = new Error(`${name} server exited (code ${code})`);
      reject(error);
      for (const waiter of pending.values()) waiter.reject(error);
      pending.clear();
    };
    child.once('exit', onExit);
    child.on(
      'message',
      (message: {
        ready?: boolean;
        url?: string;
        id?: number;
        result?: unknown;
        error?: string;
      }) => {
        if (message.ready) {
          resolve({
            name,
            url: message.url!,
            pid: child.pid!,
            call: <T>(command: string, args?: unknown) =>
              new Promise<T>((resolveCall, rejectCall) => {
                const id = nextId++;
                pending.set(id, {
                  resolve: resolveCall as (value: unknown) => void,
                  reject: rejectCall,
                });
                child.send({ id, command, args });
              }),
            stop: () =>
              new Promise<void>((resolveStop) => {
                child.off('exit', onExit);
                if (child.exitCode !== null) return resolveStop();
                child.once('exit', () => resolveStop());
                const id = nextId++;
                pending.set(id, { resolve: () => undefined, reject: () => undefined });
                child.send({ id, command: 'stop' });
                // A server that does not stop in time is killed (by its own pid).
                setTimeout(() => child.exitCode === null && child.kill('SIGKILL'), 15_000).unref();
              }),
          });
          return;
        }
        const waiter = message.id !== undefined ? pending.get(message.id) : undefined;
        if (!waiter) return;
        pending.delete(message.id!);
        if (message.error) waiter.reject(new Error(`${name}: ${message.error}`));
        else waiter.resolve(message.result);
      },
    );
  });
}
