import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { OAuthModule } from '../oauth.module';
import type { OAuthModuleOptions } from '../options/oauth-module-options.interface';
import type { ResourceOwnerProvider } from '../options/resource-owner-provider.interface';

/**
 * Stands in for the host's users when the config leaves them out: the CLI serves no pages and
 * signs nobody in, but the options check requires a provider for the authorization_code grant.
 */
const NO_RESOURCE_OWNER: ResourceOwnerProvider = {
  getSignedInUser: () => null,
  findById: () => null,
  getClaims: () => ({}),
};

/**
 * The options the CLI boots the module with: the host's options, plus stand-ins for what only
 * the HTTP side needs, and no background jobs (the CLI runs one command and exits).
 */
export function cliModuleOptions(options: OAuthModuleOptions): OAuthModuleOptions {
  return {
    ...options,
    resourceOwner: options.resourceOwner ?? NO_RESOURCE_OWNER,
    interaction: { ...options.interaction, loginUrl: options.interaction?.loginUrl ?? '/login' },
    cleanup: { ...options.cleanup, enabled: false },
  };
}

/**
 * Boots `OAuthModule.forRoot(options)` as a Nest application context (no HTTP server), runs
 * `work` with it and closes it, also destroying a DataSource the config handed in.
 */
export async function withOAuthContext<T>(
  options: OAuthModuleOptions,
  work: (context: INestApplicationContext) => Promise<T>,
): Promise<T> {
  // abortOnError: false, or Nest calls process.abort() when a provider fails to start.
  const context = await NestFactory.createApplicationContext(
    OAuthModule.forRoot(cliModuleOptions(options)),
    {
      logger: false,
      abortOnError: false,
    },
  ).catch(async (error) => {
    await destroyHostDataSource(options);
    throw error;
  });
  try {
    return await work(context);
  } finally {
    await context.close();
    await destroyHostDataSource(options);
  }
}

/** Closes a DataSource the config handed in, if it is open: the CLI's run is over. */
export async function destroyHostDataSource(options: OAuthModuleOptions): Promise<void> {
  if (options.dataSource instanceof DataSource && options.dataSource.isInitialized) {
    await options.dataSource.destroy();
  }
}
