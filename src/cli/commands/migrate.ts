import { DataSource, DataSourceOptions } from 'typeorm';
import { ownDataSourceOptions } from '../../storage/own-data-source-options';
import { migrationsTableOf, runMigrationsOneAtATime } from '../../storage/run-migrations';
import { CliError } from '../errors';
import type { CommandOutput } from './clients';

/**
 * Runs the pending migrations of the DataSource the app uses, exactly as the app would:
 * - the host's DataSource: all of its migrations (the host's own too), in its migrations table,
 *   in its transaction mode: what `migrationsRun: true` or `typeorm migration:run` do;
 * - DataSourceOptions: the DataSource the module builds from them, with the module's
 *   migrations in `oauth_migrations`, as the app does on start.
 */
export async function migrate(
  configured: DataSource | DataSourceOptions | undefined,
): Promise<CommandOutput> {
  // The other commands get this check from the module's options validation, which migrate skips.
  if (typeof configured !== 'object' || configured === null) {
    throw new CliError(
      'the config gives no "dataSource": export the DataSource your app uses, or its DataSourceOptions.',
    );
  }
  const { dataSource, transaction } = migrationDataSource(configured);
  if (!dataSource.isInitialized) await dataSource.initialize();
  try {
    const ran = await runMigrationsOneAtATime(dataSource, transaction);
    return report(migrationsTableOf(dataSource), ran);
  } finally {
    if (dataSource !== configured) await dataSource.destroy();
  }
}

function migrationDataSource(configured: DataSource | DataSourceOptions): {
  dataSource: DataSource;
  transaction?: 'all';
} {
  if (!(configured instanceof DataSource)) {
    return { dataSource: new DataSource(ownDataSourceOptions(configured)), transaction: 'all' };
  }
  if (configured.isInitialized) return { dataSource: configured };
  // Same options but migrationsRun, which would run them inside initialize() and leave this
  // command unable to say which ran. The host's instance itself is left untouched.
  return { dataSource: new DataSource({ ...configured.options, migrationsRun: false }) };
}

function report(table: string, ran: string[]): CommandOutput {
  return {
    json: { migrationsTable: table, ran },
    text:
      ran.length === 0
        ? `No pending migrations (table "${table}").`
        : [
            `Ran ${ran.length} migration(s), recorded in table "${table}":`,
            ...ran.map((name) => `  ${name}`),
          ].join('\n'),
  };
}
