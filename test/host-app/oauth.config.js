// docs/cli.md's config file for an app that migrates its own DataSource (the README's AppModule):
// the CLI gets a DataSource set up the same way, so both share TypeORM's migrations table.
const { DataSource } = require('typeorm');
const { OAUTH_ENTITIES, OAUTH_MIGRATIONS } = require('nest-oauth-server');

module.exports = {
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
