// docs/cli.md's config file for an app that migrates its own DataSource (the README's AppModule),
// as an ES module: the CLI loads it with require(esm).
import { DataSource } from 'typeorm';
import { OAUTH_ENTITIES, OAUTH_MIGRATIONS } from 'nest-oauth-server';

export default {
  issuer: 'http://localhost:3000',
  dataSource: new DataSource({
    type: 'better-sqlite3',
    database: process.env.DATABASE_FILE ?? 'oauth.sqlite',
    entities: [...OAUTH_ENTITIES],
    migrations: [...OAUTH_MIGRATIONS],
    migrationsRun: true,
  }),
  scopes: {
    'accounts:read': { description: 'Read your account information' },
    'payments:write': { description: 'Initiate payments', userOnly: true },
  },
};
