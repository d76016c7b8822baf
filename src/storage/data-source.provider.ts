import { Injectable, OnApplicationShutdown, Provider } from '@nestjs/common';
import { DataSource, DataSourceOptions, QueryRunner } from 'typeorm';
import { OAUTH_CONFIG, OAUTH_DATA_SOURCE } from '../oauth.constants';
import type { OAuthConfig } from '../options/oauth-config';
import { OAuthConfigurationError } from '../options/oauth-configuration.error';
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

/** Arbitrary constant naming the module's PostgreSQL advisory lock. */
const MIGRATION_LOCK_ID = 7_462_829_101;
/**
 * The module's MySQL/MariaDB user lock. User locks are server-wide, so its name includes the
 * database's (hashed: lock names are limited to 64 characters).
 */
const MYSQL_MIGRATION_LOCK = `CONCAT('nest-oauth-server:', SHA1(COALESCE(DATABASE(), '')))`;
/** Seconds one GET_LOCK waits before asking again (MariaDB takes no "forever"). */
const MYSQL_LOCK_WAIT_SECONDS = 10;

interface MigrationLock {
  acquire(holder: QueryRunner): Promise<void>;
  release(holder: QueryRunner): Promise<void>;
}

/** The lock that serializes migrations on this database, if the driver has one. */
function migrationLock(type: DataSourceOptions['type']): MigrationLock | undefined {
  if (type === 'postgres') {
    return {
      acquire: (holder) => holder.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_ID]),
      release: (holder) => holder.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]),
    };
  }
  if (type === 'mysql' || type === 'mariadb') {
    return {
      acquire: async (holder) => {
        for (;;) {
          const [row] = await holder.query(
            `SELECT GET_LOCK(${MYSQL_MIGRATION_LOCK}, ${MYSQL_LOCK_WAIT_SECONDS}) AS locked`,
          );
          // 1: taken; 0: still held by another instance, wait again; NULL: an error.
          if (Number(row?.locked) === 1) return;
          if (row?.locked === null || row?.locked === undefined)
            throw new Error('GET_LOCK failed to take the migration lock');
        }
      },
      release: (holder) => holder.query(`SELECT RELEASE_LOCK(${MYSQL_MIGRATION_LOCK})`),
    };
  }
  return undefined;
}

/**
 * Runs the module's migrations. On PostgreSQL and MySQL/MariaDB several app instances may start
 * together on a fresh database; a lock held on a dedicated connection makes them migrate one
 * after another (the later ones then find nothing to do) instead of racing on CREATE TABLE.
 */
async function runMigrationsOneAtATime(dataSource: DataSource): Promise<void> {
  const lock = migrationLock(dataSource.options.type);
  if (!lock) {
    await dataSource.runMigrations({ transaction: 'all' });
    return;
  }
  const lockHolder = dataSource.createQueryRunner();
  try {
    await lock.acquire(lockHolder);
    await dataSource.runMigrations({ transaction: 'all' });
  } finally {
    await lock.release(lockHolder).catch(() => undefined);
    await lockHolder.release();
  }
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
