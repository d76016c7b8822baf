import type { INestApplicationContext } from '@nestjs/common';
import { ClientService } from '../clients/client.service';
import { OAuthException } from '../errors/oauth.exception';
import { KeyStore } from '../keys/key-store.service';
import { OAUTH_CONFIG } from '../oauth.constants';
import type { OAuthConfig } from '../options/oauth-config';
import { parseCommandLine, ParsedCommand, USAGE } from './args';
import {
  createClient,
  deleteClient,
  getClient,
  listClients,
  rotateClientSecret,
  CommandOutput,
} from './commands/clients';
import { rotateKeys } from './commands/keys';
import { withOAuthContext } from './context';
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
    const output = await withOAuthContext(options, (context) => execute(command, context, io.cwd));
    io.stdout(command.json ? JSON.stringify(output.json, null, 2) : output.text);
    return EXIT_OK;
  } catch (error) {
    io.stderr(`error: ${errorMessage(error)}`);
    return EXIT_FAILURE;
  }
}

function execute(
  command: Exclude<ParsedCommand, { command: 'help' }>,
  context: INestApplicationContext,
  cwd: string,
): Promise<CommandOutput> {
  const clients = () => context.get(ClientService);
  switch (command.command) {
    case 'clients create':
      return createClient(clients(), command.create!, cwd);
    case 'clients list':
      return listClients(clients(), command.owner);
    case 'clients get':
      return getClient(clients(), command.clientId!);
    case 'clients rotate-secret':
      return rotateClientSecret(clients(), command.clientId!);
    case 'clients delete':
      return deleteClient(clients(), command.clientId!);
    case 'keys rotate':
      return rotateKeys(
        context.get(KeyStore),
        context.get<string, OAuthConfig>(OAUTH_CONFIG),
        command.alg,
      );
    default: {
      const unknown: never = command.command;
      throw new UsageError(`unknown command ${String(unknown)}`);
    }
  }
}

/**
 * One line for the user: `invalid_redirect_uri: <why>` for protocol errors. Connection failures
 * may be AggregateErrors with an empty message (one error per address).
 */
export function errorMessage(error: unknown): string {
  if (error instanceof OAuthException) return `${error.error}: ${error.description}`;
  if (!(error instanceof Error)) return String(error);
  if (error.message) return error.message;
  const inner = (error as AggregateError).errors?.find(
    (e: unknown) => e instanceof Error && e.message,
  );
  if (inner) return inner.message;
  return (error as { code?: string }).code ?? error.name;
}
