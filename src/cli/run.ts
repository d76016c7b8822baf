import { InvalidClientMetadataError } from '../errors/oauth-server.error';
import { parseCommandLine, ParsedCommand, USAGE } from './args';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, UsageError } from './errors';
import { loadOAuthOptions, resolveConfigPath } from './load-config';

/** Where the CLI reads and writes: the real process by default, something else in tests. */
export interface CliIO {
  stdout(text: string): void;
  stderr(text: string): void;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

const processIO = (): CliIO => ({
  stdout: (text) => process.stdout.write(`${text}\n`),
  stderr: (text) => process.stderr.write(`${text}\n`),
  env: process.env,
  cwd: process.cwd(),
});

/**
 * Runs one command and returns the exit code: 0 done, 1 failed (the reason on stderr, never a
 * stack trace), 2 wrong command line (usage on stderr).
 */
export async function runCli(argv: string[], io: CliIO = processIO()): Promise<number> {
  let parsed: ParsedCommand;
  try {
    parsed = parseCommandLine(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr(
      `error: ${error.message}\n\n${error.showUsage ? USAGE : 'Run nest-oauth-server --help for usage.'}`,
    );
    return EXIT_USAGE;
  }
  if (parsed.command === 'help') {
    io.stdout(USAGE);
    return EXIT_OK;
  }
  const command = parsed;
  try {
    const options = await loadOAuthOptions(resolveConfigPath(command.config, io.env, io.cwd));
    // Loaded only now, so --help and usage errors answer without loading Nest.
    const { executeCommand } = await import('./execute');
    const output = await executeCommand(command, options, io.cwd);
    io.stdout(command.json ? JSON.stringify(output.json, null, 2) : output.text);
    return EXIT_OK;
  } catch (error) {
    io.stderr(`error: ${errorMessage(error)}`);
    return EXIT_FAILURE;
  }
}

/**
 * One line for the user: `invalid_redirect_uri: <why>` for protocol errors. Connection failures
 * may be AggregateErrors with an empty message (one error per address).
 */
export function errorMessage(error: unknown): string {
  if (error instanceof InvalidClientMetadataError) return `${error.code}: ${error.description}`;
  if (!(error instanceof Error)) return String(error);
  if (error.message) return error.message;
  const inner = (error as AggregateError).errors?.find(
    (e: unknown) => e instanceof Error && e.message,
  );
  if (inner) return inner.message;
  return (error as { code?: string }).code ?? error.name;
}
