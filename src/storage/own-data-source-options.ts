import type { DataSourceOptions } from 'typeorm';
import { OAUTH_ENTITIES } from './entities';
import { OAUTH_MIGRATIONS, OAUTH_MIGRATIONS_TABLE } from './migrations';

/**
 * The options of the DataSource the module builds when the host passes DataSourceOptions: the
 * host's connection, the module's entities and migrations, its own migrations table. The app
 * and the CLI (`migrate` and every other command) both build it from here, so they agree on
 * which migrations ran.
 */
export function ownDataSourceOptions(connection: DataSourceOptions): DataSourceOptions {
  return {
    ...connection,
    entities: OAUTH_ENTITIES,
    migrations: OAUTH_MIGRATIONS,
    migrationsTableName: OAUTH_MIGRATIONS_TABLE,
    // The module runs them itself, one instance at a time (runMigrationsOneAtATime).
    migrationsRun: false,
    synchronize: false,
  } as DataSourceOptions;
}
