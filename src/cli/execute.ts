import type { INestApplicationContext } from '@nestjs/common';
import { ClientService } from '../clients/client.service';
import { SigningKeyService } from '../keys/signing-key.service';
import { OAUTH_CONFIG } from '../oauth.constants';
import type { OAuthConfig } from '../options/oauth-config';
import type { OAuthModuleOptions } from '../options/oauth-module-options.interface';
import type { ParsedCommand } from './args';
import {
  CommandOutput,
  createClient,
  deleteClient,
  getClient,
  listClients,
  rotateClientSecret,
} from './commands/clients';
import { reencryptKeys, rotateKeys } from './commands/keys';
import { runCleanup } from './commands/cleanup';
import { migrate } from './commands/migrate';
import { CleanupService } from '../lifecycle/cleanup.service';
import { destroyHostDataSource, withOAuthContext } from './context';
import { UsageError } from './errors';

export type RunnableCommand = Exclude<ParsedCommand, { command: 'help' }>;

/** Boots the module with `options`, runs the command against its services, shuts down. */
export async function executeCommand(
  command: RunnableCommand,
  options: OAuthModuleOptions,
  cwd: string,
): Promise<CommandOutput> {
  if (command.command === 'migrate') {
    // Only the database: the module would refuse to start on a host DataSource not migrated yet.
    try {
      return await migrate(options.dataSource);
    } finally {
      await destroyHostDataSource(options);
    }
  }
  return withOAuthContext(options, (context) => execute(command, context, cwd));
}

function execute(
  command: RunnableCommand,
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
        context.get(SigningKeyService),
        context.get<string, OAuthConfig>(OAUTH_CONFIG),
        command.alg,
      );
    case 'keys reencrypt':
      return reencryptKeys(context.get(SigningKeyService));
    case 'cleanup':
      return runCleanup(context.get(CleanupService));
    case 'migrate':
      throw new Error('migrate runs without the module: see executeCommand');
    default: {
      const unknown: never = command.command;
      throw new UsageError(`unknown command ${String(unknown)}`);
    }
  }
}
