import { Injectable, OnApplicationShutdown, Provider } from '@nestjs/common';
import { DataSource, DataSourceOptions } from 'typeorm';
import { OAUTH_CONFIG, OAUTH_DATA_SOURCE } from '../oauth.constants';
import type { OAuthConfig } from '../options/oauth-config';
import { OAuthConfigurationError } from '../options/oauth-configuration.error';
import { OAUTH_ENTITIES } from './entities';
import { ownDataSourceOptions } from './own-data-source-options';
import { runMigrationsOneAtATime } from './run-migrations';

/** Remembers a DataSource the module built itself, so it can close it on shutdown. */
@Injectable()
export class OwnedDataSourceCloser implements OnApplicationShutdown {
  dataSource?: DataSource;

  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource?.isInitialized) await this.dataSource.destroy();
  }
}

/**
 * The host's DataSource (initialized here if it is not yet, its schema checked), or one built
 * from DataSourceOptions with the module's entities and migrations, migrated on start.
 */
export const dataSourceProvider: Provider = {
  provide: OAUTH_DATA_SOURCE,
  inject: [OAUTH_CONFIG, OwnedDataSourceCloser],
  useFactory: async (config: OAuthConfig, closer: OwnedDataSourceCloser): Promise<DataSource> => {
    if (config.dataSource instanceof DataSource) {
      const dataSource = config.dataSource;
      if (!dataSource.isInitialized) await dataSource.initialize();
      await assertSchemaExists(dataSource);
      return dataSource;
    }
    const dataSource = new DataSource(ownDataSourceOptions(config.dataSource as DataSourceOptions));
    await dataSource.initialize();
    closer.dataSource = dataSource;
    await runMigrationsOneAtATime(dataSource, 'all');
    return dataSource;
  },
};

async function assertSchemaExists(dataSource: DataSource): Promise<void> {
  for (const entity of OAUTH_ENTITIES) {
    if (!dataSource.hasMetadata(entity)) {
      throw new OAuthConfigurationError(
        'dataSource',
        `does not know the entity ${entity.name}: add ...OAUTH_ENTITIES to its "entities".`,
      );
    }
  }
  const queryRunner = dataSource.createQueryRunner();
  try {
    if (!(await queryRunner.hasTable('oauth_clients'))) {
      throw new OAuthConfigurationError(
        'dataSource',
        'has no oauth_* tables: add ...OAUTH_MIGRATIONS to its "migrations" and run them ' +
          '(migrationsRun: true, typeorm migration:run, or npx nest-oauth-server migrate).',
      );
    }
  } finally {
    await queryRunner.release();
  }
}
