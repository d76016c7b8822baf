// First day of a NestJS team (issue #14): the app owns a DataSource with the module's and its own
// migrations, the operator runs the built `nest-oauth-server` command from an ES module project.
// Whichever starts first on a fresh database, the CLI or the app, the other must work after it:
// both when the CLI config exports the app's DataSource and when it passes connection options.
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DataSource, DataSourceOptions } from 'typeorm';
import { startAppProcess, AppProcess } from '../support/app-process';
import { BuiltPackage, buildPackage, linkHostModules } from '../support/built-package';
import { openTestDatabase } from '../support/databases';
import { OAUTH_MIGRATIONS } from '../../src';
import {
  APP_READY_LINE,
  HOST_MIGRATION,
  HOST_SCOPE,
  HOST_TABLE,
  writeEsmHost,
} from '../support/esm-host';
import { freePort } from '../support/free-port';

jest.setTimeout(180_000);

/** Every migration the package ships, in order. */
const OAUTH_MIGRATION_NAMES = OAUTH_MIGRATIONS.map((migration) => new migration().name);
const KINDS = ['sqlite', 'postgres'] as const;
type Kind = (typeof KINDS)[number];

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

let root: string;
let built: BuiltPackage;

beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'oauth-cli-migrations-'));
  built = buildPackage(path.join(root, 'package'));
});

afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** The built command, run from `cwd` as an operator would (./oauth.config.js by default). */
function cli(cwd: string, args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [built.cli, ...args],
      { cwd, env: { ...process.env, OAUTH_CONFIG: undefined, ...env }, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error ? (error as { code?: number }).code : 0;
        resolve({ code: typeof code === 'number' ? code : null, stdout, stderr });
      },
    );
  });
}

async function cliJson(cwd: string, args: string[]) {
  const run = await cli(cwd, [...args, '--json']);
  expect(run).toMatchObject({ code: 0, stderr: '' });
  return JSON.parse(run.stdout);
}

interface Host {
  dir: string;
  connection: DataSourceOptions;
  app?: AppProcess;
  dispose(): Promise<void>;
}

const hosts: Host[] = [];
let hostCount = 0;

/** A fresh host project on a fresh, empty database. */
async function freshHost(kind: Kind): Promise<Host> {
  const dir = path.join(root, `host-${kind}-${++hostCount}`);
  let connection: DataSourceOptions;
  let drop = async () => undefined as void;
  if (kind === 'sqlite') {
    connection = { type: 'better-sqlite3', database: path.join(dir, 'app.sqlite') };
  } else {
    const database = await openTestDatabase(kind);
    connection = database.options;
    drop = database.dispose;
  }
  writeEsmHost(dir, built, connection);
  const host: Host = {
    dir,
    connection,
    dispose: async () => {
      await host.app?.kill();
      await drop();
    },
  };
  hosts.push(host);
  return host;
}

afterEach(async () => {
  for (const host of hosts.splice(0)) await host.dispose();
});

/** Starts the host's app (app.js) and returns its URL; it fails the test if start-up fails. */
async function startApp(host: Host): Promise<string> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  host.app = await startAppProcess({
    name: 'host app',
    script: path.join(host.dir, 'app.js'),
    env: { PORT: String(port), OAUTH_ISSUER: url },
    readyLine: APP_READY_LINE,
  });
  return url;
}

/** The CLI registers a machine client; the app must issue it a token. */
async function createServiceClient(host: Host, configArgs: string[] = []) {
  const created = await cliJson(host.dir, [
    'clients',
    'create',
    '--name',
    'Reporting job',
    '--grant-type',
    'client_credentials',
    '--scope',
    HOST_SCOPE,
    ...configArgs,
  ]);
  return { id: created.client_id as string, secret: created.client_secret as string };
}

async function expectServes(url: string, client: { id: string; secret: string }) {
  const discovery = await fetch(`${url}/.well-known/openid-configuration`);
  expect(discovery.status).toBe(200);
  expect(await discovery.json()).toMatchObject({ issuer: url });

  const basic = Buffer.from(
    `${encodeURIComponent(client.id)}:${encodeURIComponent(client.secret)}`,
  ).toString('base64');
  const token = await fetch(`${url}/oauth/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${basic}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope: HOST_SCOPE }),
  });
  expect(token.status).toBe(200);
  expect(await token.json()).toMatchObject({ token_type: 'Bearer', scope: HOST_SCOPE });
}

/** The migrations recorded in each migrations table (absent tables left out), and the tables. */
async function databaseState(connection: DataSourceOptions) {
  const db = new DataSource(connection);
  await db.initialize();
  const runner = db.createQueryRunner();
  try {
    const recorded: Record<string, string[]> = {};
    for (const table of ['migrations', 'oauth_migrations']) {
      if (!(await runner.hasTable(table))) continue;
      const rows: { name: string }[] = await db.query(`SELECT name FROM ${table} ORDER BY id`);
      recorded[table] = rows.map((row) => row.name);
    }
    return {
      recorded,
      hasHostTable: await runner.hasTable(HOST_TABLE),
      hasOAuthTables: await runner.hasTable('oauth_clients'),
    };
  } finally {
    await runner.release();
    await db.destroy();
  }
}

describe.each(KINDS)("the CLI config exports the app's DataSource (%s)", (kind) => {
  it("CLI first: migrate runs the module's and the host's migrations in the app's table; the app then starts and serves the client the CLI created", async () => {
    const host = await freshHost(kind);
    const migrated = await cliJson(host.dir, ['migrate']);
    expect(migrated).toEqual({
      migrationsTable: 'migrations',
      ran: [...OAUTH_MIGRATION_NAMES, HOST_MIGRATION],
    });
    const client = await createServiceClient(host);

    const url = await startApp(host);
    await expectServes(url, client);
    expect(await databaseState(host.connection)).toEqual({
      recorded: { migrations: [...OAUTH_MIGRATION_NAMES, HOST_MIGRATION] },
      hasHostTable: true,
      hasOAuthTables: true,
    });
  });

  it('app first: the CLI finds nothing left to migrate and registers a client the running app accepts', async () => {
    const host = await freshHost(kind);
    const url = await startApp(host);

    const migrate = await cli(host.dir, ['migrate']);
    expect(migrate).toMatchObject({
      code: 0,
      stdout: 'No pending migrations (table "migrations").\n',
      stderr: '',
    });
    await expectServes(url, await createServiceClient(host));
    expect((await databaseState(host.connection)).recorded).toEqual({
      migrations: [...OAUTH_MIGRATION_NAMES, HOST_MIGRATION],
    });
  });
});

// The CLI builds the module's own DataSource (migrations in oauth_migrations) while the app
// records them in its own table: each side runs the module's migration once, the second run
// finding the schema in place and doing nothing but record it.
describe.each(KINDS)(
  'the CLI config passes connection options, the app its DataSource (%s)',
  (kind) => {
    const connectionConfig = ['--config', 'connection.config.mjs'];

    it('CLI first: the app then starts (no "relation already exists") and serves the client', async () => {
      const host = await freshHost(kind);
      const client = await createServiceClient(host, connectionConfig);
      expect((await databaseState(host.connection)).recorded).toEqual({
        oauth_migrations: OAUTH_MIGRATION_NAMES,
      });

      const url = await startApp(host);
      await expectServes(url, client);
      expect(await databaseState(host.connection)).toEqual({
        recorded: {
          migrations: [...OAUTH_MIGRATION_NAMES, HOST_MIGRATION],
          oauth_migrations: OAUTH_MIGRATION_NAMES,
        },
        hasHostTable: true,
        hasOAuthTables: true,
      });
    });

    it('app first: migrate and clients create then work', async () => {
      const host = await freshHost(kind);
      const url = await startApp(host);

      // The module's migration finds its tables in place: it only records itself.
      expect(await cliJson(host.dir, ['migrate', ...connectionConfig])).toEqual({
        migrationsTable: 'oauth_migrations',
        ran: OAUTH_MIGRATION_NAMES,
      });
      await expectServes(url, await createServiceClient(host, connectionConfig));
      expect(await cliJson(host.dir, ['migrate', ...connectionConfig])).toEqual({
        migrationsTable: 'oauth_migrations',
        ran: [],
      });
    });
  },
);

describe('config files of an ES module host', () => {
  let dir: string;
  const database = () => path.join(dir, 'formats.sqlite');
  const options = () =>
    `{ issuer: 'http://localhost:3000', dataSource: { type: 'better-sqlite3', database: ${JSON.stringify(database())} }, scopes: { 'accounts:read': { description: 'Read' } }, grantTypes: ['client_credentials'] }`;

  beforeAll(() => {
    dir = path.join(root, 'formats');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'package.json'), '{ "type": "module" }');
    linkHostModules(dir, built, ['typeorm', '@swc-node']);
  });

  const write = (name: string, text: string) => {
    fs.writeFileSync(path.join(dir, name), text);
    return name;
  };

  it.each([
    [
      '.js under "type": "module", with top-level await',
      'esm.config.js',
      `const options = await Promise.resolve(${'OPTIONS'});\nexport default options;`,
    ],
    [
      '.mjs exporting an async function',
      'esm.config.mjs',
      `export default async () => (${'OPTIONS'});`,
    ],
    [
      '.cjs (module.exports, require)',
      'cjs.config.cjs',
      `const path = require('node:path');\nmodule.exports = () => (${'OPTIONS'});`,
    ],
  ])('loads a %s', async (_label, name, template) => {
    const config = write(name, template.replace('OPTIONS', options()));
    expect(await cli(dir, ['clients', 'list', '--config', config])).toMatchObject({
      code: 0,
      stdout: 'No clients.\n',
    });
  });

  it('loads ./oauth.config.mjs by default', async () => {
    write('oauth.config.mjs', `export default ${options()};`);
    expect(await cli(dir, ['clients', 'list'])).toMatchObject({ code: 0, stdout: 'No clients.\n' });
  });

  it('loads an ES module TypeScript config (.mts) through the TypeScript loader the host registers', async () => {
    const config = write(
      'typed.config.mts',
      `import type { OAuthModuleOptions } from 'nest-oauth-server';\nconst options: OAuthModuleOptions = ${options()};\nexport default options;\n`,
    );
    // Newer Node versions strip types themselves (process.features.typescript); Node 20 cannot.
    if (!(process.features as { typescript?: unknown }).typescript) {
      const withoutLoader = await cli(dir, ['clients', 'list', '--config', config]);
      expect(withoutLoader.code).toBe(1);
      expect(withoutLoader.stderr).toMatch(
        /is an ES module in TypeScript: run the command with a TypeScript loader/,
      );
    }

    const withLoader = await cli(dir, ['clients', 'list', '--config', config], {
      NODE_OPTIONS: '--import @swc-node/register/esm-register',
    });
    expect(withLoader).toMatchObject({ code: 0, stdout: 'No clients.\n' });
  });

  it('migrate names a missing dataSource', async () => {
    const config = write(
      'no-database.config.mjs',
      `export default { issuer: 'http://localhost:3000', scopes: {} };`,
    );
    expect(await cli(dir, ['migrate', '--config', config])).toMatchObject({
      code: 1,
      stderr:
        'error: the config gives no "dataSource": export the DataSource your app uses, or its DataSourceOptions.\n',
    });
  });

  it('explains a CommonJS config in an ES module package', async () => {
    const config = write('common.config.js', `module.exports = ${options()};`);
    const result = await cli(dir, ['clients', 'list', '--config', config]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^error: could not load config file .*common\.config\.js: module is not defined in ES module scope \(this file is an ES module, .*rename it to \.cjs\)\n$/,
    );
  });
});
