import { Injectable, OnApplicationShutdown, Provider } from '@nestjs/common';
import { DataSource, DataSourceOptions } from 'typeorm';
import { OAUTH_CONFIG, OAUTH_DATA_SOURCE } from '../oauth.constants';
import type { OAuthConfig } from '../options/oauth-config';
import { OAuthConfigurationError } from '../options/oauth-configuration.error';
import { DatabaseLockName, withDatabaseLock } from './database-lock';
import { OAUTH_ENTITIES } from './entities';
import { OAUTH_MIGRATIONS } from './migrations';

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
    const dataSource = new DataSource({
      ...(config.dataSource as DataSourceOptions),
      entities: OAUTH_ENTITIES,
      migrations: OAUTH_MIGRATIONS,
      migrationsTableName: 'oauth_migrations',
      migrationsRun: false,
      synchronize: false,
    } as DataSourceOptions);
    await dataSource.initialize();
    closer.dataSource = dataSource;
    await runMigrationsOneAtATime(dataSource);
    return dataSource;
  },
};

/** The lock that serializes migrations (its MySQL name was `nest-oauth-server:` + hash before). */
const MIGRATION_LOCK: DatabaseLockName = { postgres: 7_462_829_101, mysql: 'nest-oauth-server:' };

/**
 * Runs the module's migrations. On PostgreSQL and MySQL/MariaDB several app instances may start
 * together on a fresh database; a lock held on a dedicated connection makes them migrate one
 * after another (the later ones then find nothing to do) instead of racing on CREATE TABLE.
 */
async function runMigrationsOneAtATime(dataSource: DataSource): Promise<void> {
  await withDatabaseLock(dataSource, MIGRATION_LOCK, () =>
    dataSource.runMigrations({ transaction: 'all' }),
  );
}

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
        'has no oauth_* tables: add ...OAUTH_MIGRATIONS to its "migrations" and run them (migrationsRun: true).',
      );
    }
  } finally {
    await queryRunner.release();
  }
}
