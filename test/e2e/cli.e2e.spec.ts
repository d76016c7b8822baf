// Runs the `nest-oauth-server` command line as a child process, the way an operator would,
// against a config file pointing at a fresh SQLite file or PostgreSQL database.
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { exportJWK, generateKeyPair } from 'jose';
import { DataSource, DataSourceOptions } from 'typeorm';
import { BAD_CLIENT_URIS, BAD_REDIRECT_URIS } from '../support/client-uri-cases';
import { openTestDatabase, TEST_DATABASE_KINDS, TestDatabaseKind } from '../support/databases';

jest.setTimeout(120_000);

const REPO_ROOT = path.resolve(__dirname, '../..');
const sha256 = (value: string) => createHash('sha256').update(value).digest('base64url');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * `nest-oauth-server <args>`, compiled on the fly like `npm run sample`. Paths are absolute so
 * it can run from any directory (`cwd`, default the repository root), as an operator would.
 */
function cli(
  args: string[],
  { env = {}, cwd = REPO_ROOT }: { env?: Record<string, string | undefined>; cwd?: string } = {},
): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [
        '-r',
        require.resolve('@swc-node/register'),
        path.join(REPO_ROOT, 'src/cli/main.ts'),
        ...args,
      ],
      {
        cwd,
        env: {
          ...process.env,
          OAUTH_CONFIG: undefined,
          SWC_NODE_PROJECT: path.join(REPO_ROOT, 'tsconfig.json'),
          ...env,
        },
        timeout: 60_000,
      },
      (error, stdout, stderr) => {
        const code = error ? (error as { code?: number }).code : 0;
        resolve({ code: typeof code === 'number' ? code : null, stdout, stderr });
      },
    );
  });
}

const SCOPES = {
  openid: { description: 'Sign you in' },
  email: { description: 'Your email address' },
  'accounts:read': { description: 'Read your account information' },
  'payments:write': { description: 'Initiate payments', userOnly: true },
};

function writeConfig(dir: string, name: string, text: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

/** A CommonJS config exporting an async function, as a host would write one. */
const jsConfig = (dataSource: DataSourceOptions, keys?: object) => `
module.exports = async () => ({
  issuer: 'http://localhost:3000',
  dataSource: ${JSON.stringify(dataSource)},
  scopes: ${JSON.stringify(SCOPES)},${keys ? `\n  keys: ${JSON.stringify(keys)},` : ''}
});
`;

function expectNoStackTrace(run: Run) {
  expect(run.stderr).not.toMatch(/^\s+at /m);
  expect(run.stdout).not.toMatch(/^\s+at /m);
}

describe.each(TEST_DATABASE_KINDS)('nest-oauth-server CLI (%s)', (kind: TestDatabaseKind) => {
  let dir: string;
  let config: string;
  let dataSourceOptions: DataSourceOptions;
  let dropDatabase: () => Promise<void> = async () => undefined;
  let db: DataSource;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oauth-cli-'));
    if (kind === 'sqlite') {
      dataSourceOptions = { type: 'better-sqlite3', database: path.join(dir, 'oauth.sqlite') };
    } else {
      const database = await openTestDatabase(kind);
      dropDatabase = database.dispose;
      dataSourceOptions = database.options;
    }
    config = writeConfig(dir, 'oauth.config.js', jsConfig(dataSourceOptions));
    // The first command creates the schema; the test reads it through its own connection.
    const first = await cli(['clients', 'list', '--config', config]);
    expect(first).toMatchObject({ code: 0, stdout: 'No clients.\n' });
    db = new DataSource(dataSourceOptions);
    await db.initialize();
  });

  afterAll(async () => {
    if (db?.isInitialized) await db.destroy();
    await dropDatabase();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const run = (...args: string[]) => cli([...args, '--config', config]);

  const storedHash = async (clientId: string): Promise<string | null | undefined> => {
    const row = await db
      .createQueryBuilder()
      .select('c.client_secret_hash', 'hash')
      .from('oauth_clients', 'c')
      .where('c.client_id = :clientId', { clientId })
      .getRawOne();
    return row ? row.hash : undefined;
  };

  async function createJson(...args: string[]) {
    const result = await run('clients', 'create', '--json', ...args);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    return JSON.parse(result.stdout);
  }

  it('creates a confidential client: --json shows the secret once, the database holds only its hash', async () => {
    const created = await createJson(
      '--name',
      'Budget Planner',
      '--website',
      'https://planner.example.com',
      '--redirect-uri',
      'https://planner.example.com/callback',
      '--redirect-uri',
      'http://127.0.0.1:8080/cb',
      '--grant-type',
      'authorization_code',
      '--grant-type',
      'refresh_token',
      '--scope',
      'openid accounts:read',
      '--scope',
      'email',
      '--auth-method',
      'client_secret_post',
      '--first-party',
      '--owner',
      'team-budget',
      '--post-logout-redirect-uri',
      'https://planner.example.com/signed-out',
      '--backchannel-logout-uri',
      'https://planner.example.com/backchannel-logout',
    );
    expect(created).toEqual({
      client_id: expect.any(String),
      client_secret: expect.stringMatching(/^[A-Za-z0-9_-]{43,}$/),
      client_type: 'confidential',
      client_name: 'Budget Planner',
      client_uri: 'https://planner.example.com',
      redirect_uris: ['https://planner.example.com/callback', 'http://127.0.0.1:8080/cb'],
      grant_types: ['authorization_code', 'refresh_token'],
      scope: 'openid accounts:read email',
      token_endpoint_auth_method: 'client_secret_post',
      jwks: null,
      first_party: true,
      require_pushed_authorization_requests: false,
      dpop_bound_access_tokens: false,
      authorization_details_types: null,
      owner: 'team-budget',
      post_logout_redirect_uris: ['https://planner.example.com/signed-out'],
      backchannel_logout_uri: 'https://planner.example.com/backchannel-logout',
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      updated_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });

    const hash = await storedHash(created.client_id);
    expect(hash).toBe(sha256(created.client_secret));
    expect(hash).not.toBe(created.client_secret);

    // get shows the same client, never the secret or its hash.
    const got = await run('clients', 'get', created.client_id, '--json');
    expect(got.code).toBe(0);
    const withoutSecret = { ...created };
    delete withoutSecret.client_secret;
    expect(JSON.parse(got.stdout)).toEqual(withoutSecret);
    expect(got.stdout).not.toContain(created.client_secret);
    expect(got.stdout).not.toContain(hash);
  });

  it('creates a client that must push its requests and hold DPoP-bound tokens', async () => {
    const created = await createJson(
      '--name',
      'Strict App',
      '--redirect-uri',
      'https://strict.example.com/cb',
      '--require-par',
      '--dpop-bound',
    );
    expect(created).toMatchObject({
      require_pushed_authorization_requests: true,
      dpop_bound_access_tokens: true,
    });
    const details = await run('clients', 'get', created.client_id);
    expect(details.stdout).toMatch(/^require_pushed_authorization_requests:\s+yes$/m);
    expect(details.stdout).toMatch(/^dpop_bound_access_tokens:\s+yes$/m);
  });

  it('passes --authorization-details-type to the same checks as the app (a type the server lacks)', async () => {
    const result = await run(
      'clients',
      'create',
      '--name',
      'Payments App',
      '--redirect-uri',
      'https://pay.example.com/cb',
      '--authorization-details-type',
      'payment_initiation',
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /authorization_details_types: 'payment_initiation' is not supported by this server/,
    );
  });

  it('prints the client_id and secret with a "shown once" warning in text mode', async () => {
    const result = await run(
      'clients',
      'create',
      '--name',
      'Text App',
      '--redirect-uri',
      'https://text.example.com/cb',
    );
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const clientId = /client_id:\s+(\S+)/.exec(result.stdout)?.[1];
    const secret = /client_secret:\s+(\S+)/.exec(result.stdout)?.[1];
    expect(clientId).toBeDefined();
    expect(secret).toBeDefined();
    expect(result.stdout).toMatch(/shown once/i);
    expect(await storedHash(clientId!)).toBe(sha256(secret!));

    const details = await run('clients', 'get', clientId!);
    expect(details.code).toBe(0);
    expect(details.stdout).toMatch(/^name:\s+Text App$/m);
    expect(details.stdout).toMatch(/^redirect_uris:\s+https:\/\/text\.example\.com\/cb$/m);
    expect(details.stdout).not.toContain(secret);
  });

  it('creates a public client (--auth-method none) without a secret', async () => {
    const created = await createJson(
      '--name',
      'Mobile app',
      '--redirect-uri',
      'com.example.app:/oauth/callback',
      '--auth-method',
      'none',
    );
    expect(created).toMatchObject({ client_type: 'public', token_endpoint_auth_method: 'none' });
    expect(created).not.toHaveProperty('client_secret');
    expect(await storedHash(created.client_id)).toBeNull();

    const text = await run(
      'clients',
      'create',
      '--name',
      'SPA',
      '--redirect-uri',
      'https://spa.example.com/cb',
      '--auth-method',
      'none',
    );
    expect(text.code).toBe(0);
    expect(text.stdout).not.toMatch(/client_secret/);
    expect(text.stdout).toMatch(/no secret/i);
  });

  it('registers a private_key_jwt client with the public keys of --jwks-file', async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
    const publicFile = writeConfig(
      dir,
      'client-jwks.json',
      JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'k1' }] }),
    );
    const created = await createJson(
      '--name',
      'Signed client',
      '--grant-type',
      'client_credentials',
      '--scope',
      'accounts:read',
      '--auth-method',
      'private_key_jwt',
      '--jwks-file',
      publicFile,
    );
    expect(created.jwks).toEqual({
      keys: [expect.objectContaining({ kty: 'EC', crv: 'P-256', kid: 'k1' })],
    });
    expect(created).toMatchObject({
      client_type: 'confidential',
      token_endpoint_auth_method: 'private_key_jwt',
    });
    expect(created).not.toHaveProperty('client_secret');
    expect(await storedHash(created.client_id)).toBeNull();

    // A file holding one JWK (not a set) works too; text output says why there is no secret.
    const singleKeyFile = writeConfig(
      dir,
      'client-jwk.json',
      JSON.stringify(await exportJWK(publicKey)),
    );
    const text = await run(
      'clients',
      'create',
      '--name',
      'Signed client 2',
      '--grant-type',
      'client_credentials',
      '--auth-method',
      'private_key_jwt',
      '--jwks-file',
      singleKeyFile,
    );
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/No secret: the client authenticates with private_key_jwt/);
    expect(text.stdout).not.toMatch(/client_secret:/);
    const textId = /client_id:\s+(\S+)/.exec(text.stdout)![1];
    const got = JSON.parse((await run('clients', 'get', textId, '--json')).stdout);
    expect(got.jwks).toEqual({ keys: [expect.objectContaining({ kty: 'EC', crv: 'P-256' })] });

    const privateFile = writeConfig(
      dir,
      'private-jwk.json',
      JSON.stringify(await exportJWK(privateKey)),
    );
    const refused = await run(
      'clients',
      'create',
      '--name',
      'Leaky',
      '--grant-type',
      'client_credentials',
      '--auth-method',
      'private_key_jwt',
      '--jwks-file',
      privateFile,
    );
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/invalid_client_metadata: .*public keys only/);
  });

  it('lists clients as a table and as JSON, optionally for one owner', async () => {
    const a = await createJson(
      '--name',
      'Owned A',
      '--redirect-uri',
      'https://a.example.com/cb',
      '--owner',
      'list-owner',
    );
    const b = await createJson(
      '--name',
      'Owned B',
      '--grant-type',
      'client_credentials',
      '--owner',
      'list-owner',
    );

    const json = await run('clients', 'list', '--owner', 'list-owner', '--json');
    expect(json.code).toBe(0);
    const listed = JSON.parse(json.stdout);
    expect(listed.map((client: { client_id: string }) => client.client_id).sort()).toEqual(
      [a.client_id, b.client_id].sort(),
    );
    expect(json.stdout).not.toContain(a.client_secret);
    expect(json.stdout).not.toMatch(/"client_secret"/);

    const table = await run('clients', 'list');
    expect(table.code).toBe(0);
    const [header, ...rows] = table.stdout.trimEnd().split('\n');
    expect(header).toMatch(
      /^CLIENT_ID\s+NAME\s+TYPE\s+AUTH_METHOD\s+GRANT_TYPES\s+OWNER\s+CREATED$/,
    );
    const rowOfA = rows.find((row) => row.startsWith(a.client_id));
    expect(rowOfA).toMatch(
      /Owned A\s+confidential\s+client_secret_basic\s+authorization_code\s+list-owner\s+\d{4}-\d\d-\d\d$/,
    );
    expect(
      rows.some((row) => row.startsWith(b.client_id) && row.includes('client_credentials')),
    ).toBe(true);
    expect(table.stdout).not.toContain(a.client_secret);
  });

  it('refuses control characters in client names, and never passes stored ones to the terminal', async () => {
    const evil = 'Evil\u001b[2J\u001b]0;pwned\u0007 app';
    const refused = await run(
      'clients',
      'create',
      '--name',
      evil,
      '--redirect-uri',
      'https://evil.example.com/cb',
    );
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('invalid_client_metadata');
    // A name stored before that rule (or written by other code) is still neutralized on output.
    const created = await createJson(
      '--name',
      'Evil app',
      '--redirect-uri',
      'https://evil.example.com/cb',
      '--owner',
      'escape-test',
    );
    await db
      .createQueryBuilder()
      .update('oauth_clients')
      .set({ name: evil })
      .where('client_id = :clientId', { clientId: created.client_id })
      .execute();
    // --json keeps the stored value (JSON escapes it); text output replaces control characters.
    const asJson = await run('clients', 'get', created.client_id, '--json');
    expect(JSON.parse(asJson.stdout).client_name).toBe(evil);
    for (const args of [
      ['clients', 'list', '--owner', 'escape-test'],
      ['clients', 'get', created.client_id],
    ]) {
      const result = await run(...args);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('Evil\uFFFD[2J\uFFFD]0;pwned\uFFFD app');
      // eslint-disable-next-line no-control-regex
      expect(result.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
    }
  });

  it('rotates a secret: a new one is shown once and replaces the stored hash', async () => {
    const created = await createJson(
      '--name',
      'Rotating',
      '--redirect-uri',
      'https://rot.example.com/cb',
    );
    const oldHash = await storedHash(created.client_id);

    const rotated = await run('clients', 'rotate-secret', created.client_id, '--json');
    expect(rotated.code).toBe(0);
    const { client_id, client_secret } = JSON.parse(rotated.stdout);
    expect(client_id).toBe(created.client_id);
    expect(client_secret).toMatch(/^[A-Za-z0-9_-]{43,}$/);
    expect(client_secret).not.toBe(created.client_secret);
    const newHash = await storedHash(created.client_id);
    expect(newHash).toBe(sha256(client_secret));
    expect(newHash).not.toBe(oldHash);

    const text = await run('clients', 'rotate-secret', created.client_id);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/shown once/i);
    const secret = /client_secret:\s+(\S+)/.exec(text.stdout)?.[1];
    expect(await storedHash(created.client_id)).toBe(sha256(secret!));
  });

  it('refuses to rotate the secret of a public client', async () => {
    const created = await createJson(
      '--name',
      'Public',
      '--redirect-uri',
      'https://pub.example.com/cb',
      '--auth-method',
      'none',
    );
    const result = await run('clients', 'rotate-secret', created.client_id);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: .*no secret/im);
    expect(await storedHash(created.client_id)).toBeNull();
  });

  it('deletes a client; afterwards get and delete report it unknown', async () => {
    const created = await createJson(
      '--name',
      'Doomed',
      '--redirect-uri',
      'https://doomed.example.com/cb',
    );
    const deleted = await run('clients', 'delete', created.client_id);
    expect(deleted.code).toBe(0);
    expect(deleted.stdout).toContain(`Deleted client ${created.client_id}`);
    expect(await storedHash(created.client_id)).toBeUndefined();

    for (const command of ['get', 'delete', 'rotate-secret']) {
      const result = await run('clients', command, created.client_id);
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toBe(`error: No client with client_id "${created.client_id}".\n`);
    }
  });

  it.each([
    [
      'http on a public host',
      'http://example.com/cb',
      /invalid_redirect_uri: 'http:\/\/example\.com\/cb' uses http/,
    ],
    ['a fragment', 'https://app.example.com/cb#x', /invalid_redirect_uri: .*fragment/],
    ['a relative URI', '/cb', /invalid_redirect_uri: .*not an absolute URI/],
  ])(
    'refuses a redirect URI with %s: exit 1, a clear message, nothing stored',
    async (_label, uri, message) => {
      const before = JSON.parse((await run('clients', 'list', '--json')).stdout).length;
      const result = await run(
        'clients',
        'create',
        '--name',
        'Bad redirect',
        '--redirect-uri',
        uri,
      );
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(new RegExp(`^error: ${message.source}`));
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expectNoStackTrace(result);
      expect(JSON.parse((await run('clients', 'list', '--json')).stdout)).toHaveLength(before);
    },
  );

  // A sample of the shared table (each run is a child process): the same rules as DCR.
  it.each([
    ...BAD_REDIRECT_URIS.filter(([label]) =>
      [
        'a wildcard host',
        'user info',
        'a non-ASCII (IDN) host',
        'a backslash in the path',
      ].includes(label),
    ).map(([label, uri, why]): [string, string[], string, RegExp] => [
      `a redirect URI with ${label}`,
      ['--redirect-uri', uri],
      'invalid_redirect_uri',
      why,
    ]),
    ...BAD_CLIENT_URIS.filter(([label]) => ['markup', 'user info'].includes(label)).map(
      ([label, uri, why]): [string, string[], string, RegExp] => [
        `a website with ${label}`,
        ['--redirect-uri', 'https://app.example.com/cb', '--website', uri],
        'invalid_client_metadata',
        why,
      ],
    ),
  ])('refuses %s: exit 1, the RFC 7591 error, nothing stored', async (_label, args, code, why) => {
    const before = JSON.parse((await run('clients', 'list', '--json')).stdout).length;
    const result = await run('clients', 'create', '--name', 'Loose metadata', ...args);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(new RegExp(`^error: ${code}: .*${why.source}`));
    expectNoStackTrace(result);
    expect(JSON.parse((await run('clients', 'list', '--json')).stdout)).toHaveLength(before);
  });

  it('refuses an unknown scope and a public client_credentials client with exit 1', async () => {
    const scope = await run(
      'clients',
      'create',
      '--name',
      'X',
      '--redirect-uri',
      'https://x.example.com/cb',
      '--scope',
      'admin',
    );
    expect(scope.code).toBe(1);
    expect(scope.stderr).toMatch(/^error: invalid_client_metadata: scope 'admin' is not offered/);
    const grant = await run(
      'clients',
      'create',
      '--name',
      'X',
      '--grant-type',
      'client_credentials',
      '--auth-method',
      'none',
    );
    expect(grant.code).toBe(1);
    expect(grant.stderr).toMatch(
      /^error: invalid_client_metadata: client_credentials needs a confidential client/,
    );
  });

  it('cleanup deletes expired codes and keeps live ones', async () => {
    const client = await createJson(
      '--name',
      'Cleanup',
      '--redirect-uri',
      'https://app.example/cb',
    );
    const code = (id: string, expiresAt: number) =>
      db.query(
        `INSERT INTO oauth_authorization_codes (id, code_hash, client_id, subject, redirect_uri, scopes, expires_at, created_at)
         VALUES ('${id}', '${sha256(id)}', '${client.client_id}', 'user-1', 'https://app.example/cb', '[]', ${expiresAt}, ${Date.now()})`,
      );
    await code('00000000-0000-4000-8000-000000000001', Date.now() - 60_000);
    await code('00000000-0000-4000-8000-000000000002', Date.now() + 600_000);
    const result = await run('cleanup', '--json');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ codes: 1 });
    const left = await db.query('SELECT id FROM oauth_authorization_codes');
    expect(left.map((row: { id: string }) => row.id)).toEqual([
      '00000000-0000-4000-8000-000000000002',
    ]);
  });

  it('rotates signing keys: a new active key, the previous one retiring', async () => {
    const keysBefore: { kid: string; status: string }[] = await db
      .createQueryBuilder()
      .select(['k.kid AS kid', 'k.status AS status'])
      .from('oauth_signing_keys', 'k')
      .getRawMany();
    const activeBefore = keysBefore.filter((key) => key.status === 'active').map((key) => key.kid);
    expect(activeBefore).toHaveLength(1);

    const result = await run('keys', 'rotate', '--json');
    expect(result.code).toBe(0);
    const { created } = JSON.parse(result.stdout);
    expect(created).toHaveLength(1);

    const keysAfter: { kid: string; status: string }[] = await db
      .createQueryBuilder()
      .select(['k.kid AS kid', 'k.status AS status'])
      .from('oauth_signing_keys', 'k')
      .getRawMany();
    const status = Object.fromEntries(keysAfter.map((key) => [key.kid, key.status]));
    expect(status[created[0]]).toBe('active');
    expect(status[activeBefore[0]]).toBe('retiring');

    const wrongAlg = await run('keys', 'rotate', '--alg', 'ES256');
    expect(wrongAlg.code).toBe(1);
    expect(wrongAlg.stderr).toMatch(/--alg must be one of .*RS256/);
  });

  // Last of this suite: afterwards the stored keys need the key-encryption key.
  it('re-encrypts the stored keys with the first of keys.encryptionKeys (keys reencrypt)', async () => {
    const refused = await run('keys', 'reencrypt');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/Cannot re-encrypt: keys.encryptionKeys is not set/);
    expectNoStackTrace(refused);

    const encryptionKeys = [{ id: 'cli-1', key: randomBytes(32).toString('base64') }];
    const kekConfig = writeConfig(
      dir,
      'oauth-kek.config.js',
      jsConfig(dataSourceOptions, { encryptionKeys }),
    );
    const stored = async () =>
      (
        await db
          .createQueryBuilder()
          .select(['k.kid AS kid', 'k.private_jwk AS private_jwk'])
          .from('oauth_signing_keys', 'k')
          .getRawMany<{ kid: string; private_jwk: string }>()
      ).map((row) => ({ kid: row.kid, privateJwk: JSON.parse(row.private_jwk) }));
    const before = await stored();
    expect(before.length).toBeGreaterThanOrEqual(1);
    for (const row of before) expect(row.privateJwk).toHaveProperty('d');

    const result = await cli(['keys', 'reencrypt', '--json', '--config', kekConfig]);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({ kek: 'cli-1', unchanged: 0 });
    expect([...report.reencrypted].sort()).toEqual(before.map((row) => row.kid).sort());
    for (const row of await stored()) {
      expect(row.privateJwk).toMatchObject({ v: 1, enc: 'A256GCM', kek: 'cli-1' });
      expect(row.privateJwk).not.toHaveProperty('d');
    }

    const again = await cli(['keys', 'reencrypt', '--config', kekConfig]);
    expect(again).toMatchObject({ code: 0 });
    expect(again.stdout).toContain(
      'Re-encrypted 0 signing key(s) with key-encryption key "cli-1".',
    );
  });
});

describe('nest-oauth-server CLI: command line and config errors', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oauth-cli-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('prints usage and exits 2 for an unknown command', async () => {
    for (const args of [['clients', 'frobnicate'], ['tokens'], []]) {
      const result = await cli(args);
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(/^error: (unknown command|no command)/);
      expect(result.stderr).toContain('Usage: nest-oauth-server <command> [options]');
      expect(result.stderr).toContain('clients create');
    }
  });

  it.each([
    ['an unknown option', ['clients', 'list', '--frobnicate'], /Unknown option '--frobnicate'/],
    [
      'an option of another command',
      ['clients', 'list', '--name', 'x'],
      /clients list does not take --name/,
    ],
    ['a missing client id', ['clients', 'get'], /clients get needs <client_id>/],
    ['an extra argument', ['clients', 'list', 'extra'], /takes no arguments/],
    [
      'create without --name',
      ['clients', 'create', '--redirect-uri', 'https://a.example.com/cb'],
      /needs --name/,
    ],
    ['an option without its value', ['clients', 'create', '--name'], /--name/],
  ])('exits 2 for %s', async (_label, args, message) => {
    const result = await cli(args);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toContain('--help');
    expectNoStackTrace(result);
  });

  it('prints help on stdout with exit 0', async () => {
    const result = await cli(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: nest-oauth-server');
    expect(result.stdout).toContain('--redirect-uri <uri>');
  });

  it('reports a missing config file (default ./oauth.config.js, or $OAUTH_CONFIG) with exit 1', async () => {
    const emptyDir = fs.mkdtempSync(path.join(dir, 'empty-'));
    const byDefault = await cli(['clients', 'list'], { cwd: emptyDir });
    expect(byDefault.code).toBe(1);
    expect(byDefault.stderr).toContain(
      `config file not found: ${path.join(emptyDir, 'oauth.config.js')}`,
    );
    expect(byDefault.stderr).toContain('--config');

    const missing = path.join(dir, 'nope.config.js');
    const byEnv = await cli(['clients', 'list'], { env: { OAUTH_CONFIG: missing } });
    expect(byEnv.code).toBe(1);
    expect(byEnv.stderr).toContain(`config file not found: ${missing}`);
    expectNoStackTrace(byEnv);
  });

  it('finds ./oauth.config.js in the working directory; --config wins over $OAUTH_CONFIG', async () => {
    const project = fs.mkdtempSync(path.join(dir, 'project-'));
    writeConfig(
      project,
      'oauth.config.js',
      jsConfig({ type: 'better-sqlite3', database: path.join(project, 'default.sqlite') }),
    );
    const created = await cli(
      [
        'clients',
        'create',
        '--name',
        'From default config',
        '--grant-type',
        'client_credentials',
        '--json',
      ],
      {
        cwd: project,
      },
    );
    expect(created.code).toBe(0);
    const { client_id } = JSON.parse(created.stdout);

    const explicit = await cli(
      ['clients', 'get', client_id, '--config', 'oauth.config.js', '--json'],
      {
        cwd: project,
        env: { OAUTH_CONFIG: path.join(dir, 'nope.config.js') },
      },
    );
    expect(explicit.code).toBe(0);
    expect(JSON.parse(explicit.stdout).client_name).toBe('From default config');
  });

  it('reports invalid module options with the option to fix, exit 1, no stack trace', async () => {
    const config = writeConfig(
      dir,
      'bad-issuer.config.js',
      `module.exports = { issuer: 'ftp://auth.example.com', dataSource: { type: 'better-sqlite3', database: ':memory:' }, scopes: {} };`,
    );
    const result = await cli(['clients', 'list', '--config', config]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'error: OAuthModule option "issuer" must use https (http is accepted only for localhost), not "ftp://auth.example.com".\n',
    );
  });

  it('reports a config that exports no options, or fails to load', async () => {
    const empty = writeConfig(dir, 'empty.config.js', 'module.exports = 42;');
    const result = await cli(['clients', 'list', '--config', empty]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/must export the OAuthModule options/);

    const broken = writeConfig(dir, 'broken.config.js', "require('./does-not-exist');");
    const loadFailure = await cli(['clients', 'list', '--config', broken]);
    expect(loadFailure.code).toBe(1);
    expect(loadFailure.stderr).toMatch(
      /^error: could not load config file .*broken\.config\.js: Cannot find module '\.\/does-not-exist'\n$/,
    );
  });

  it('reports an unreachable database with exit 1 and no stack trace', async () => {
    const config = writeConfig(
      dir,
      'unreachable.config.js',
      `module.exports = { issuer: 'http://localhost', dataSource: { type: 'postgres', url: 'postgres://nobody@127.0.0.1:1/none', connectTimeoutMS: 2000 }, scopes: { openid: { description: 'x' } } };`,
    );
    const result = await cli(['clients', 'list', '--config', config]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: .*ECONNREFUSED/);
    expectNoStackTrace(result);
  });

  it('loads a TypeScript config with a default export, found through OAUTH_CONFIG', async () => {
    const database = path.join(dir, 'ts.sqlite');
    const config = writeConfig(
      dir,
      'oauth.config.ts',
      `import type { OAuthModuleOptions } from '${path.join(REPO_ROOT, 'src')}';
const options: OAuthModuleOptions = {
  issuer: 'http://localhost:3000',
  dataSource: { type: 'better-sqlite3', database: ${JSON.stringify(database)} },
  scopes: { 'accounts:read': { description: 'Read your accounts' } },
  grantTypes: ['client_credentials'],
};
export default options;
`,
    );
    const created = await cli(
      ['clients', 'create', '--name', 'Batch', '--grant-type', 'client_credentials', '--json'],
      { env: { OAUTH_CONFIG: config } },
    );
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject({
      client_name: 'Batch',
      scope: 'accounts:read',
    });
    expect(fs.existsSync(database)).toBe(true);

    // The server's options apply: authorization_code is not enabled in this config.
    const refused = await cli(
      ['clients', 'create', '--name', 'Web', '--redirect-uri', 'https://w.example.com/cb'],
      { env: { OAUTH_CONFIG: config } },
    );
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/grant_types: 'authorization_code' is not enabled/);
  });
});
