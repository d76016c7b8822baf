// A NestJS host project written as ES modules (`"type": "module"`), the way the README sets one
// up: TypeOrmModule owns the DataSource (OAUTH_ENTITIES, OAUTH_MIGRATIONS and a migration of the
// host's own, migrationsRun: true) and OAuthModule gets it injected. Its CLI configs either
// export that same DataSource (oauth.config.js) or pass plain connection options
// (connection.config.mjs, the setup of issue #14).
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DataSourceOptions } from 'typeorm';
import { BuiltPackage, linkHostModules } from './built-package';

/** The host's own migration, beside the module's in its DataSource. */
// Dated after every migration the package ships, so TypeORM runs it last.
export const HOST_MIGRATION = 'CreateNotes1799000000000';
export const HOST_TABLE = 'host_notes';
export const HOST_SCOPE = 'accounts:read';
export const APP_READY_LINE = 'host app ready';

const FILES = (connection: DataSourceOptions): Record<string, string> => ({
  'package.json': JSON.stringify({ name: 'host-app', private: true, type: 'module' }),

  'db.js': `import { DataSource } from 'typeorm';
import { OAUTH_ENTITIES, OAUTH_MIGRATIONS } from 'nest-oauth-server';

export class ${HOST_MIGRATION} {
  name = '${HOST_MIGRATION}';
  async up(queryRunner) {
    await queryRunner.query('CREATE TABLE ${HOST_TABLE} (id integer PRIMARY KEY, body varchar(200) NOT NULL)');
  }
  async down(queryRunner) {
    await queryRunner.query('DROP TABLE ${HOST_TABLE}');
  }
}

export const dataSourceOptions = {
  ...${JSON.stringify(connection)},
  entities: [...OAUTH_ENTITIES],
  migrations: [...OAUTH_MIGRATIONS, ${HOST_MIGRATION}],
  migrationsRun: true,
};

export const AppDataSource = new DataSource(dataSourceOptions);
`,

  'oauth-options.js': `// One source for the options that shape client validation, for the app and the CLI.
export const oauthOptions = {
  issuer: process.env.OAUTH_ISSUER ?? 'http://localhost:3000',
  scopes: { '${HOST_SCOPE}': { description: 'Read your account information' } },
  grantTypes: ['client_credentials'],
};
`,

  'oauth.config.js': `import { AppDataSource } from './db.js';
import { oauthOptions } from './oauth-options.js';

export default { ...oauthOptions, dataSource: AppDataSource };
`,

  'connection.config.mjs': `import { oauthOptions } from './oauth-options.js';

export default async () => ({ ...oauthOptions, dataSource: ${JSON.stringify(connection)} });
`,

  'app.js': `import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { OAuthModule } from 'nest-oauth-server';
import { dataSourceOptions } from './db.js';
import { oauthOptions } from './oauth-options.js';

class AppModule {}
Module({
  imports: [
    // No retries: a failed start should end the process, not loop.
    TypeOrmModule.forRoot({ ...dataSourceOptions, retryAttempts: 0 }),
    OAuthModule.forRootAsync({
      inject: [DataSource],
      useFactory: (dataSource) => ({ ...oauthOptions, dataSource }),
    }),
  ],
})(AppModule);

const app = await NestFactory.create(AppModule, { logger: ['error'] });
await app.listen(Number(process.env.PORT), '127.0.0.1');
console.log('${APP_READY_LINE}');
`,
});

/** Writes the host project into `dir`, with `nest-oauth-server` linked to `built`. */
export function writeEsmHost(
  dir: string,
  built: BuiltPackage,
  connection: DataSourceOptions,
): void {
  fs.mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(FILES(connection))) {
    fs.writeFileSync(path.join(dir, name), text);
  }
  linkHostModules(dir, built, ['@nestjs', 'typeorm', 'reflect-metadata', '@swc-node']);
}
