import { Controller, DynamicModule, Get, INestApplication, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { DataSource, DataSourceOptions } from 'typeorm';
import {
  ClientService,
  OAUTH_DATA_SOURCE,
  OAUTH_ENTITIES,
  OAUTH_MIGRATIONS,
  OAUTH_PATHS,
  OAuthConfigurationError,
  AnyScope,
  Scopes,
  SigningKeyService,
} from '../../src';
import { OAuthClient } from '../support/entities';
import { AsyncClassAppModule } from '../fixtures/async-class.module';
import { AsyncExistingAppModule } from '../fixtures/async-existing.module';
import { AsyncFactoryAppModule } from '../fixtures/async-factory.module';
import { ForRootAppModule } from '../fixtures/for-root.module';
import { GlobalAppModule } from '../fixtures/global.module';
import { TestSettings } from '../fixtures/settings.module';
import { openTestDatabase, OpenTestDatabase } from '../support/databases';
import { createTestApplication, describeOn, TEST_TARGETS, TestTarget } from '../support/targets';
import { freePort } from '../support/test-app';

interface Booted {
  app: INestApplication;
  url: string;
}

const started: INestApplication[] = [];
const databases: OpenTestDatabase[] = [];
const hostDataSources: DataSource[] = [];

afterEach(async () => {
  for (const app of started.splice(0)) await app.close();
  for (const dataSource of hostDataSources.splice(0))
    if (dataSource.isInitialized) await dataSource.destroy();
  for (const database of databases.splice(0)) await database.dispose();
});

async function sqliteOptions(): Promise<DataSourceOptions> {
  const database = await openTestDatabase('sqlite');
  databases.push(database);
  return database.options;
}

/**
 * Compiles the app module that `build` returns for a reserved port, then listens on that port with
 * the target's adapter.
 */
async function boot(
  target: TestTarget,
  build: (settings: TestSettings) => DynamicModule,
  dataSource: TestSettings['dataSource'],
  overrides?: TestSettings['overrides'],
): Promise<Booted> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const moduleRef = await Test.createTestingModule({
    imports: [build({ issuer: url, dataSource, overrides })],
  }).compile();
  const app = createTestApplication(moduleRef, target.adapter, { logger: false });
  started.push(app);
  await app.listen(port, '127.0.0.1');
  return { app, url };
}

async function expectServesMetadata({ url }: Booted): Promise<void> {
  const response = await fetch(`${url}${OAUTH_PATHS.serverMetadata}`);
  expect(response.status).toBe(200);
  const metadata = await response.json();
  expect(metadata.issuer).toBe(url);
  expect(metadata.token_endpoint).toBe(`${url}${OAUTH_PATHS.token}`);
  expect(metadata.grant_types_supported).toEqual(['client_credentials']);
}

describeOn('sqlite')('OAuthModule registration styles (%s)', (target) => {
  it.each([
    ['forRoot', ForRootAppModule],
    ['forRootAsync useFactory with inject', AsyncFactoryAppModule],
    ['forRootAsync useClass', AsyncClassAppModule],
    ['forRootAsync useExisting', AsyncExistingAppModule],
  ])('%s: boots and serves discovery and JWKS', async (_style, fixture) => {
    const booted = await boot(
      target,
      (settings) => fixture.register(settings),
      await sqliteOptions(),
    );
    await expectServesMetadata(booted);

    const jwks = await (await fetch(`${booted.url}${OAUTH_PATHS.jwks}`)).json();
    expect(jwks.keys).toHaveLength(1);
    const [key] = await booted.app.get(SigningKeyService).list();
    expect(jwks.keys[0]).toEqual(key.publicJwk);
    expect(key.status).toBe('active');
  });

  it('isGlobal: true makes ClientService injectable in a module that does not import OAuthModule', async () => {
    const booted = await boot(
      target,
      (settings) => GlobalAppModule.register(settings, true),
      await sqliteOptions(),
    );
    await expectServesMetadata(booted);

    const created = await fetch(`${booted.url}/apps`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Budget app' }),
    });
    expect(created.status).toBe(201);
    const { clientId } = await created.json();
    expect(await (await fetch(`${booted.url}/apps`)).json()).toEqual(['Budget app']);
    // The host's controller and the module share one ClientService and one database.
    expect((await booted.app.get(ClientService).get(clientId)).name).toBe('Budget app');
  });

  it('without isGlobal, a module that does not import OAuthModule cannot inject ClientService', async () => {
    await expect(
      boot(target, (settings) => GlobalAppModule.register(settings, false), await sqliteOptions()),
    ).rejects.toThrow(/AppsController.*ClientService/s);
  });

  it('an invalid option returned by forRootAsync fails start-up with the configuration error', async () => {
    const failure = boot(
      target,
      (settings) => AsyncFactoryAppModule.register(settings),
      await sqliteOptions(),
      {
        issuer: 'http://auth.example.com',
      },
    );
    await expect(failure).rejects.toBeInstanceOf(OAuthConfigurationError);
    await expect(failure).rejects.toThrow(
      'OAuthModule option "issuer" must use https (http is accepted only for localhost), not "http://auth.example.com".',
    );
  });

  it('an invalid option in a useClass factory fails start-up naming the option', async () => {
    await expect(
      boot(target, (settings) => AsyncClassAppModule.register(settings), await sqliteOptions(), {
        accessTokenTtl: 0,
      }),
    ).rejects.toThrow(
      'OAuthModule option "accessTokenTtl" must be a positive whole number of seconds, not 0.',
    );
  });

  it('an invalid option in forRoot fails start-up naming the option', async () => {
    await expect(
      boot(target, (settings) => ForRootAppModule.register(settings), await sqliteOptions(), {
        // @ts-expect-error a misspelt or unknown grant does not compile; JavaScript hosts get this check
        grantTypes: ['client_credentials', 'implicit'],
      }),
    ).rejects.toThrow(/OAuthModule option "grantTypes" has an unknown grant "implicit"/);
  });
});

describeOn('sqlite')('scopes named by host routes (%s)', (target) => {
  @Controller('api')
  class MisspeltScopeController {
    @Get('accounts')
    @Scopes('acounts:read')
    list() {
      return [];
    }
  }

  @Controller('api')
  @AnyScope('account:read')
  class MisspeltClassScopeController {}

  it.each([
    [
      MisspeltScopeController,
      '@Scopes on MisspeltScopeController.list',
      'accounts:read',
      'acounts:read',
    ],
    [
      MisspeltClassScopeController,
      '@AnyScope on MisspeltClassScopeController',
      'accounts:read',
      'account:read',
    ],
  ])(
    'a route naming an undefined scope stops start-up (%p)',
    async (controller, route, meant, typo) => {
      @Module({ controllers: [controller] })
      class HostRoutes {}
      const attempt = Test.createTestingModule({
        imports: [
          ForRootAppModule.register({
            issuer: 'http://127.0.0.1:1',
            dataSource: await sqliteOptions(),
          }),
          HostRoutes,
        ],
      })
        .compile()
        .then((moduleRef) => {
          const app = createTestApplication(moduleRef, target.adapter, { logger: false });
          started.push(app);
          return app.init();
        });
      await expect(attempt).rejects.toThrow(
        `OAuthModule option "scopes" has no scope "${typo}", required by ${route}: did you mean "${meant}"?`,
      );
    },
  );
});

describe.each(TEST_TARGETS)('a host-owned DataSource (%s)', (target) => {
  async function hostDataSource(options: Partial<DataSourceOptions>): Promise<DataSource> {
    const database = await openTestDatabase(target);
    databases.push(database);
    const dataSource = new DataSource({ ...database.options, ...options } as DataSourceOptions);
    hostDataSources.push(dataSource);
    return dataSource;
  }

  it.each([
    ['not yet initialized', false],
    ['already initialized', true],
  ])('with OAUTH_ENTITIES and OAUTH_MIGRATIONS (%s) is used as is', async (_label, initialize) => {
    const dataSource = await hostDataSource({
      entities: OAUTH_ENTITIES,
      migrations: OAUTH_MIGRATIONS,
      migrationsRun: true,
    });
    if (initialize) await dataSource.initialize();

    const booted = await boot(
      target,
      (settings) => AsyncFactoryAppModule.register(settings),
      dataSource,
    );
    await expectServesMetadata(booted);
    expect(booted.app.get(OAUTH_DATA_SOURCE)).toBe(dataSource);

    // The module stores in the host's database: rows are visible through the host's DataSource.
    const { client } = await booted.app.get(ClientService).register({
      name: 'Host app',
      grantTypes: ['client_credentials'],
    });
    expect(
      await dataSource.getRepository(OAuthClient).findOneBy({ clientId: client.clientId }),
    ).toMatchObject({
      name: 'Host app',
    });
    // Keys went to the host's database too, and the host's migration table was used.
    expect(await dataSource.query('SELECT kid FROM oauth_signing_keys')).toHaveLength(1);
    const queryRunner = dataSource.createQueryRunner();
    try {
      expect(await queryRunner.hasTable('migrations')).toBe(true);
      expect(await queryRunner.hasTable('oauth_migrations')).toBe(false);
    } finally {
      await queryRunner.release();
    }

    // The host owns its DataSource: closing the app leaves it open.
    await booted.app.close();
    started.splice(started.indexOf(booted.app), 1);
    expect(dataSource.isInitialized).toBe(true);
    expect(await dataSource.getRepository(OAuthClient).count()).toBe(1);
  });

  it('without the oauth tables fails start-up with the configuration error', async () => {
    const dataSource = await hostDataSource({ entities: OAUTH_ENTITIES });
    const failure = boot(target, (settings) => ForRootAppModule.register(settings), dataSource);
    await expect(failure).rejects.toBeInstanceOf(OAuthConfigurationError);
    await expect(failure).rejects.toThrow(
      'OAuthModule option "dataSource" has no oauth_* tables: add ...OAUTH_MIGRATIONS to its "migrations" and run them ' +
        '(migrationsRun: true, typeorm migration:run, or npx nest-oauth-server migrate).',
    );
  });

  it('without OAUTH_ENTITIES fails start-up naming the missing entity', async () => {
    const dataSource = await hostDataSource({ migrations: OAUTH_MIGRATIONS, migrationsRun: true });
    await expect(
      boot(target, (settings) => ForRootAppModule.register(settings), dataSource),
    ).rejects.toThrow(
      'OAuthModule option "dataSource" does not know the entity OAuthClient: add ...OAUTH_ENTITIES to its "entities".',
    );
  });
});
