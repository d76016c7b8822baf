import { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalJWKSet, exportJWK, generateKeyPair, JWK, jwtVerify, SignJWT } from 'jose';
import type { DataSource, DataSourceOptions } from 'typeorm';
import {
  OAUTH_DATA_SOURCE,
  OAUTH_PATHS,
  OAuthModule,
  OAuthModuleOptions,
  SigningKeyError,
  SigningKeyService,
} from '../../src';
import { KeyRing } from '../../src/keys/key-ring.service';
import { FakeSigner } from '../support/fake-signer';
import { OAuthSigningKey } from '../support/entities';
import { openTestDatabase, TestDatabaseKind } from '../support/databases';
import { createTestApplication, describeOn, TEST_TARGETS, TestTarget } from '../support/targets';
import { freePort, TEST_SCOPES } from '../support/test-app';

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

/** A database that outlives one app, so a second app (a restart, another instance) can open it. */
interface SharedDatabase {
  options: DataSourceOptions;
  dispose(): Promise<void>;
}

async function openSharedDatabase(kind: TestDatabaseKind): Promise<SharedDatabase> {
  if (kind === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'oauth-keys-'));
    return {
      options: { type: 'better-sqlite3', database: join(dir, 'oauth.sqlite') },
      dispose: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  // A server database outlives the DataSources that open it.
  return openTestDatabase(kind);
}

interface Instance {
  app: INestApplication;
  url: string;
  /** What a host or the CLI uses: rotate, retire, list. */
  keys: SigningKeyService;
  /** The module's in-memory keys, to sign test tokens and watch reloads. */
  ring: KeyRing;
  close(): Promise<void>;
}

async function startInstance(
  target: TestTarget,
  database: SharedDatabase,
  overrides: Partial<OAuthModuleOptions> = {},
): Promise<Instance> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const moduleRef = await Test.createTestingModule({
    imports: [
      OAuthModule.forRoot({
        issuer: url,
        dataSource: database.options,
        scopes: TEST_SCOPES,
        grantTypes: ['client_credentials'],
        ...overrides,
      }),
    ],
  }).compile();
  const app = createTestApplication(moduleRef, target.adapter, { logger: false });
  try {
    await app.listen(port, '127.0.0.1');
  } catch (error) {
    // A start that fails (e.g. a key that does not decrypt) still closes its DataSource.
    await app.close().catch(() => undefined);
    throw error;
  }
  return {
    app,
    url,
    keys: app.get(SigningKeyService),
    ring: app.get(KeyRing),
    close: () => app.close(),
  };
}

async function fetchJwks(instance: Instance): Promise<{ keys: JWK[] }> {
  const response = await fetch(`${instance.url}${OAUTH_PATHS.jwks}`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('application/jwk-set+json');
  const jwks = (await response.json()) as { keys: JWK[] };
  for (const key of jwks.keys) {
    for (const member of PRIVATE_MEMBERS) expect(key).not.toHaveProperty(member);
  }
  return jwks;
}

const kids = (jwks: { keys: JWK[] }) => jwks.keys.map((key) => key.kid).sort();

async function signWith(ring: KeyRing, kid?: string): Promise<string> {
  const key = kid ? (await ring.verificationKey(kid))! : ring.signingKey();
  return new SignJWT({ sub: 'user-alice' })
    .setProtectedHeader({ alg: key.alg, kid: key.kid })
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(key.privateKey!);
}

async function countStoredKeys(instance: Instance): Promise<number> {
  const dataSource = instance.app.get<DataSource>(OAUTH_DATA_SOURCE);
  const [{ n }] = await dataSource.query('SELECT count(*) AS n FROM oauth_signing_keys');
  return Number(n);
}

interface StoredRow {
  kid: string;
  alg: string;
  status: string;
  /** private_jwk as stored (text). */
  stored: string;
}

async function storedRows(instance: Instance): Promise<StoredRow[]> {
  const dataSource = instance.app.get<DataSource>(OAUTH_DATA_SOURCE);
  const rows = await dataSource.getRepository(OAuthSigningKey).find({ order: { kid: 'ASC' } });
  return rows.map((row) => ({
    kid: row.kid,
    alg: row.alg,
    status: row.status,
    stored: JSON.stringify(row.privateJwk),
  }));
}

const kek = (id: string) => ({ id, key: randomBytes(32).toString('base64') });

/** Moves the clock past the unknown-kid reload throttle (5 s) for the duration of `fn`. */
async function later<T>(fn: () => Promise<T>): Promise<T> {
  const realNow = Date.now.bind(Date);
  const spy = jest.spyOn(Date, 'now').mockImplementation(() => realNow() + 10_000);
  try {
    return await fn();
  } finally {
    spy.mockRestore();
  }
}

describe.each(TEST_TARGETS)('signing keys (%s)', (target) => {
  let database: SharedDatabase;
  const running: Instance[] = [];

  beforeEach(async () => {
    database = await openSharedDatabase(target.database);
  });

  afterEach(async () => {
    for (const instance of running.splice(0)) await instance.close();
    await database.dispose();
  });

  async function start(overrides: Partial<OAuthModuleOptions> = {}): Promise<Instance> {
    const instance = await startInstance(target, database, overrides);
    running.push(instance);
    return instance;
  }

  async function stop(instance: Instance): Promise<void> {
    running.splice(running.indexOf(instance), 1);
    await instance.close();
  }

  it('generates one RS256 key on first start and keeps it across restarts', async () => {
    const first = await start();
    const before = await fetchJwks(first);
    expect(before.keys).toHaveLength(1);
    expect(before.keys[0]).toMatchObject({
      kty: 'RSA',
      alg: 'RS256',
      use: 'sig',
      kid: expect.any(String),
    });
    const token = await signWith(first.ring);
    await stop(first);

    const second = await start();
    const after = await fetchJwks(second);
    expect(after).toEqual(before);
    expect(second.ring.signingKey().kid).toBe(before.keys[0].kid);
    expect(await countStoredKeys(second)).toBe(1);
    // A token signed before the restart still verifies against the published JWKS.
    await expect(jwtVerify(token, createLocalJWKSet(after))).resolves.toBeDefined();
  });

  it('rotates: the new key signs, the old one verifies until it is retired', async () => {
    const instance = await start();
    const oldKid = instance.ring.signingKey().kid;
    const oldToken = await signWith(instance.ring);

    const created = await instance.keys.rotate();
    expect(created).toHaveLength(1);
    const [newKid] = created;
    expect(newKid).not.toBe(oldKid);
    expect(instance.ring.signingKey().kid).toBe(newKid);

    const jwks = await fetchJwks(instance);
    expect(kids(jwks)).toEqual([newKid, oldKid].sort());
    // Tokens signed with the old key still verify, by kid and through the published JWKS.
    const oldKey = await instance.ring.verificationKey(oldKid);
    expect(oldKey?.status).toBe('retiring');
    await expect(jwtVerify(oldToken, oldKey!.publicKey)).resolves.toBeDefined();
    await expect(jwtVerify(oldToken, createLocalJWKSet(jwks))).resolves.toBeDefined();
    const newToken = await signWith(instance.ring);
    await expect(
      jwtVerify(newToken, (await instance.ring.verificationKey(newKid))!.publicKey),
    ).resolves.toBeDefined();

    await expect(instance.keys.retire(newKid)).rejects.toThrow(
      `Key ${newKid} is active: rotate first`,
    );
    expect(kids(await fetchJwks(instance))).toHaveLength(2);

    await instance.keys.retire(oldKid);
    const afterRetire = await fetchJwks(instance);
    expect(kids(afterRetire)).toEqual([newKid]);
    expect(await instance.ring.verificationKey(oldKid)).toBeUndefined();
    expect(await later(() => instance.ring.verificationKey(oldKid))).toBeUndefined();
    await expect(jwtVerify(oldToken, createLocalJWKSet(afterRetire))).rejects.toThrow();
    expect(instance.ring.signingKey().kid).toBe(newKid);
  });

  it('refuses to retire a kid it does not know', async () => {
    const instance = await start();
    await expect(instance.keys.retire('no-such-kid')).rejects.toThrow(/no-such-kid/);
    expect(await fetchJwks(instance)).toMatchObject({ keys: [expect.any(Object)] });
  });

  it('list() shows every stored key with its history and no private key material', async () => {
    const instance = await start({ keys: { algorithms: ['ES256', 'RS256'] } });
    const [firstEc, firstRsa] = [
      instance.ring.signingKey('ES256').kid,
      instance.ring.signingKey('RS256').kid,
    ];
    const [newEc, newRsa] = await instance.keys.rotate();
    await instance.keys.retire(firstEc);

    const listed = await instance.keys.list();
    expect(listed.map((key) => [key.kid, key.status]).sort()).toEqual(
      [
        [firstEc, 'retired'],
        [firstRsa, 'retiring'],
        [newEc, 'active'],
        [newRsa, 'active'],
      ].sort(),
    );
    const retired = listed.find((key) => key.kid === firstEc)!;
    expect(retired).toMatchObject({ alg: 'ES256', rotatedAt: expect.any(Number) });
    expect(retired.retiredAt).toBeGreaterThanOrEqual(retired.rotatedAt!);
    expect(listed.find((key) => key.kid === newRsa)).toMatchObject({
      rotatedAt: null,
      retiredAt: null,
    });
    // Oldest first.
    const created = listed.map((key) => key.createdAt!);
    expect(created).toEqual([...created].sort((a, b) => a - b));
    for (const key of listed) {
      expect(Object.keys(key).sort()).toEqual(
        ['alg', 'createdAt', 'kid', 'publicJwk', 'retiredAt', 'rotatedAt', 'status'].sort(),
      );
      expect(key.publicJwk).toMatchObject({ kid: key.kid, alg: key.alg, use: 'sig' });
      for (const member of PRIVATE_MEMBERS) expect(key.publicJwk).not.toHaveProperty(member);
    }
    // The published keys are exactly the listed ones that still verify.
    expect((await fetchJwks(instance)).keys.sort((a, b) => a.kid!.localeCompare(b.kid!))).toEqual(
      listed
        .filter((key) => key.status !== 'retired')
        .map((key) => key.publicJwk)
        .sort((a, b) => a.kid!.localeCompare(b.kid!)),
    );
  });

  it('rotate and retire fail with SigningKeyError', async () => {
    const instance = await start();
    const activeKid = instance.ring.signingKey().kid;
    await expect(instance.keys.retire('no-such-kid')).rejects.toBeInstanceOf(SigningKeyError);
    await expect(instance.keys.retire(activeKid)).rejects.toBeInstanceOf(SigningKeyError);

    const { privateKey } = await generateKeyPair('RS256', { extractable: true });
    const jwk = { ...(await exportJWK(privateKey)), kid: 'host-rsa', alg: 'RS256' };
    const host = await start({ keys: { jwks: [jwk] } });
    await expect(host.keys.rotate()).rejects.toBeInstanceOf(SigningKeyError);
    await expect(host.keys.retire('host-rsa')).rejects.toBeInstanceOf(SigningKeyError);
  });

  it('a second instance on the same database picks up a rotation', async () => {
    const a = await start();
    const b = await start();
    const oldKid = a.ring.signingKey().kid;
    expect(b.ring.signingKey().kid).toBe(oldKid);
    expect(await countStoredKeys(a)).toBe(1);

    const [newKid] = await a.keys.rotate();
    const tokenFromA = await signWith(a.ring);

    // On an unknown kid, b reloads from the database (throttled to once per 5 s).
    const seen = await later(() => b.ring.verificationKey(newKid));
    expect(seen?.kid).toBe(newKid);
    await expect(jwtVerify(tokenFromA, seen!.publicKey)).resolves.toBeDefined();
    expect(b.ring.signingKey().kid).toBe(newKid);
    expect(kids(await fetchJwks(b))).toEqual([newKid, oldKid].sort());

    // Rotating again on a; an explicit reload() on b picks it up too.
    const [newestKid] = await a.keys.rotate();
    expect(b.ring.signingKey().kid).toBe(newKid);
    await b.ring.reload();
    expect(b.ring.signingKey().kid).toBe(newestKid);
    expect(kids(await fetchJwks(b))).toEqual([newestKid, newKid, oldKid].sort());
  });

  it('an instance that has not reloaded yet still refuses to retire a key another instance made active', async () => {
    const a = await start();
    const b = await start();
    const [newKid] = await a.keys.rotate();

    await expect(b.keys.retire(newKid)).rejects.toThrow(`Key ${newKid} is active`);
    await a.ring.reload();
    expect(a.ring.signingKey().kid).toBe(newKid);
    expect(kids(await fetchJwks(a))).toContain(newKid);
  });

  it("keys: { algorithms: ['ES256', 'RS256'] } holds and publishes a key per algorithm", async () => {
    const instance = await start({ keys: { algorithms: ['ES256', 'RS256'] } });
    const { keys } = await fetchJwks(instance);
    expect(keys).toHaveLength(2);
    const ec = keys.find((key) => key.kty === 'EC')!;
    const rsa = keys.find((key) => key.kty === 'RSA')!;
    expect(ec).toMatchObject({
      alg: 'ES256',
      crv: 'P-256',
      use: 'sig',
      x: expect.any(String),
      y: expect.any(String),
    });
    expect(ec).not.toHaveProperty('d');
    expect(rsa).toMatchObject({ alg: 'RS256', use: 'sig', n: expect.any(String), e: 'AQAB' });

    // The first algorithm signs by default.
    expect(instance.ring.signingKey()).toMatchObject({ alg: 'ES256', kid: ec.kid });
    expect(instance.ring.signingKey('RS256').kid).toBe(rsa.kid);
    const token = await signWith(instance.ring);
    await expect(jwtVerify(token, createLocalJWKSet({ keys }))).resolves.toMatchObject({
      protectedHeader: { alg: 'ES256', kid: ec.kid },
    });

    // Rotation makes a new key for each algorithm.
    expect(await instance.keys.rotate()).toHaveLength(2);
    expect((await fetchJwks(instance)).keys).toHaveLength(4);
    expect(await countStoredKeys(instance)).toBe(4);
  });

  it('uses host-supplied keys.jwks and stores nothing', async () => {
    const host = async (alg: 'RS256' | 'ES256', kid: string): Promise<JWK> => {
      const { privateKey } = await generateKeyPair(alg, { extractable: true });
      return { ...(await exportJWK(privateKey)), kid, alg };
    };
    const jwks = [await host('RS256', 'host-rsa-2025'), await host('ES256', 'host-ec-2025')];
    const instance = await start({ keys: { jwks } });

    const published = await fetchJwks(instance);
    expect(kids(published)).toEqual(['host-ec-2025', 'host-rsa-2025']);
    expect(published.keys.find((key) => key.kid === 'host-ec-2025')).toMatchObject({
      crv: 'P-256',
      use: 'sig',
    });
    expect(instance.ring.signingKey().kid).toBe('host-rsa-2025');
    expect(instance.ring.signingKey('ES256').kid).toBe('host-ec-2025');
    await expect(
      jwtVerify(await signWith(instance.ring), createLocalJWKSet(published)),
    ).resolves.toBeDefined();

    expect(await countStoredKeys(instance)).toBe(0);
    await expect(instance.keys.rotate()).rejects.toThrow('Cannot rotate host-supplied keys');
    await expect(instance.keys.retire('host-rsa-2025')).rejects.toThrow(
      'Cannot retire host-supplied keys',
    );
    expect(await countStoredKeys(instance)).toBe(0);
    expect(kids(await fetchJwks(instance))).toEqual(['host-ec-2025', 'host-rsa-2025']);

    // Listed in the order given, public members only, though the host passed private JWKs.
    const listed = await instance.keys.list();
    expect(listed).toEqual([
      {
        kid: 'host-rsa-2025',
        alg: 'RS256',
        status: 'active',
        createdAt: null,
        rotatedAt: null,
        retiredAt: null,
        publicJwk: published.keys.find((key) => key.kid === 'host-rsa-2025'),
      },
      expect.objectContaining({ kid: 'host-ec-2025', alg: 'ES256', status: 'active' }),
    ]);
    for (const key of listed) {
      for (const member of PRIVATE_MEMBERS) expect(key.publicJwk).not.toHaveProperty(member);
    }
  });

  it('signs with a host-supplied ES256 key when keys.algorithms is left unset', async () => {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const jwk = { ...(await exportJWK(privateKey)), kid: 'host-ec-only', alg: 'ES256' };
    const instance = await start({ keys: { jwks: [jwk] } });

    expect(instance.ring.signingKey()).toMatchObject({ kid: 'host-ec-only', alg: 'ES256' });
    const published = await fetchJwks(instance);
    expect(kids(published)).toEqual(['host-ec-only']);
    await expect(
      jwtVerify(await signWith(instance.ring), createLocalJWKSet(published)),
    ).resolves.toBeDefined();
    expect(await countStoredKeys(instance)).toBe(0);
  });

  describe('keys at rest (keys.encryptionKeys)', () => {
    it('stores generated and rotated keys only encrypted, and signs with them after a restart', async () => {
      const keys = { encryptionKeys: [kek('2025-06')] };
      const first = await start({ keys: { ...keys, algorithms: ['ES256', 'RS256'] } });
      const token = await signWith(first.ring);
      await first.keys.rotate('ES256');
      const rows = await storedRows(first);
      expect(rows).toHaveLength(3);
      for (const row of rows) {
        const stored = JSON.parse(row.stored);
        expect(Object.keys(stored).sort()).toEqual(['ct', 'enc', 'iv', 'kek', 'tag', 'v']);
        expect(stored).toMatchObject({ v: 1, enc: 'A256GCM', kek: '2025-06' });
        // Nothing of the JWK shows: not even its kty or public members.
        expect(row.stored).not.toMatch(/"(d|kty|n|x|p|q)"/);
      }
      const signingKid = first.ring.signingKey().kid;
      await stop(first);

      const second = await start({ keys: { ...keys, algorithms: ['ES256', 'RS256'] } });
      expect(second.ring.signingKey().kid).toBe(signingKid);
      expect(await countStoredKeys(second)).toBe(3);
      const jwks = await fetchJwks(second);
      await expect(jwtVerify(token, createLocalJWKSet(jwks))).resolves.toBeDefined();
      await expect(
        jwtVerify(await signWith(second.ring), createLocalJWKSet(jwks)),
      ).resolves.toBeDefined();
    });

    it('refuses to start when a stored key does not decrypt, and never makes a replacement key', async () => {
      const original = kek('a');
      const first = await start({ keys: { encryptionKeys: [original] } });
      const [before] = await storedRows(first);
      await stop(first);

      // Same id, other key material: the tag does not check out.
      await expect(
        startInstance(target, database, { keys: { encryptionKeys: [kek('a')] } }),
      ).rejects.toThrow(
        new SigningKeyError(
          `Signing key ${before.kid} does not decrypt with key-encryption key "a": the key under that id in keys.encryptionKeys is not the one it was encrypted with (or the row was tampered with).`,
        ),
      );
      // The KEK it names is not listed.
      await expect(
        startInstance(target, database, { keys: { encryptionKeys: [kek('b')] } }),
      ).rejects.toThrow(
        /encrypted with key-encryption key "a", which keys.encryptionKeys does not list: add it back \(ids: "b"\)/,
      );
      // No KEK at all.
      await expect(startInstance(target, database)).rejects.toBeInstanceOf(SigningKeyError);

      // Nothing was generated or rewritten by the failed starts; the right KEK still opens it.
      const again = await start({ keys: { encryptionKeys: [original] } });
      expect(await storedRows(again)).toEqual([before]);
      expect(again.ring.signingKey().kid).toBe(before.kid);
    });

    it('binds each envelope to its kid: one moved to another row does not decrypt', async () => {
      const keys = { encryptionKeys: [kek('a')], algorithms: ['ES256', 'RS256'] as const };
      const first = await start({ keys: { ...keys, algorithms: [...keys.algorithms] } });
      const [one, other] = await storedRows(first);
      const repository = first.app
        .get<DataSource>(OAUTH_DATA_SOURCE)
        .getRepository(OAuthSigningKey);
      await repository.update({ kid: one.kid }, { privateJwk: JSON.parse(other.stored) });
      await stop(first);

      await expect(
        startInstance(target, database, { keys: { ...keys, algorithms: [...keys.algorithms] } }),
      ).rejects.toThrow(`Signing key ${one.kid} does not decrypt with key-encryption key "a"`);
    });

    it('rotates the KEK: list the new one first, reencrypt(), then drop the old one; clear keys get encrypted too', async () => {
      // Keys stored in clear, as before encryption was configured.
      const clear = await start();
      const clearKid = clear.ring.signingKey().kid;
      const token = await signWith(clear.ring);
      expect(JSON.parse((await storedRows(clear))[0].stored)).toHaveProperty('d');
      await expect(clear.keys.reencrypt()).rejects.toThrow(
        'Cannot re-encrypt: keys.encryptionKeys is not set',
      );
      await stop(clear);

      // Encryption configured: the clear key keeps working, new keys are encrypted.
      const oldKek = kek('old');
      const withOld = await start({ keys: { encryptionKeys: [oldKek] } });
      expect(withOld.ring.signingKey().kid).toBe(clearKid);
      const [rotatedKid] = await withOld.keys.rotate();
      await withOld.keys.retire(clearKid);
      expect(await withOld.keys.reencrypt()).toEqual({
        kek: 'old',
        reencrypted: [clearKid],
        unchanged: 1,
      });
      for (const row of await storedRows(withOld)) expect(JSON.parse(row.stored).kek).toBe('old');
      await stop(withOld);

      // New KEK first, old one still listed: everything is re-encrypted under the new one.
      const newKek = kek('new');
      const withBoth = await start({ keys: { encryptionKeys: [newKek, oldKek] } });
      expect(withBoth.ring.signingKey().kid).toBe(rotatedKid);
      const report = await withBoth.keys.reencrypt();
      expect(report).toEqual({ kek: 'new', reencrypted: expect.any(Array), unchanged: 0 });
      expect(report.reencrypted.sort()).toEqual([clearKid, rotatedKid].sort());
      expect(await withBoth.keys.reencrypt()).toEqual({
        kek: 'new',
        reencrypted: [],
        unchanged: 2,
      });
      await stop(withBoth);

      // The old KEK dropped: the keys (retired ones too) open with the new one alone.
      const withNew = await start({ keys: { encryptionKeys: [newKek] } });
      expect(withNew.ring.signingKey().kid).toBe(rotatedKid);
      for (const row of await storedRows(withNew)) {
        expect(JSON.parse(row.stored)).toMatchObject({ kek: 'new' });
        expect(row.stored).not.toContain('"d"');
      }
      expect(await withNew.keys.reencrypt()).toMatchObject({ reencrypted: [], unchanged: 2 });
      const jwks = await fetchJwks(withNew);
      await expect(
        jwtVerify(await signWith(withNew.ring), createLocalJWKSet(jwks)),
      ).resolves.toBeDefined();
      // The retired clear-era key is gone from the JWKS, so its token no longer verifies.
      await expect(jwtVerify(token, createLocalJWKSet(jwks))).rejects.toThrow();
      expect(await countStoredKeys(withNew)).toBe(2);
    });

    it('warns at start-up when private keys are stored in clear, and says how to fix it', async () => {
      const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
      try {
        await start();
        expect(warn).toHaveBeenCalledWith(
          expect.stringContaining(
            'Private signing keys are stored unencrypted in oauth_signing_keys: anyone who can read the database can sign tokens. Set keys.encryptionKeys',
          ),
        );
        warn.mockClear();
        await start({ keys: { encryptionKeys: [kek('a')] } });
        expect(warn).toHaveBeenCalledWith(
          '1 stored signing key(s) are not encrypted yet: run SigningKeyService.reencrypt() (CLI: keys reencrypt).',
        );
      } finally {
        warn.mockRestore();
      }
    });
  });

  it('keys.signer: signs through the signer, stores nothing, leaves rotation to the signer', async () => {
    const signer = new FakeSigner(['ES256', 'RS256']);
    const instance = await start({ keys: { algorithms: ['ES256', 'RS256'], signer } });
    const listed = await signer.keys();
    const ecKid = listed.find((key) => key.alg === 'ES256')!.kid;
    const rsaKid = listed.find((key) => key.alg === 'RS256')!.kid;
    expect(instance.ring.signingKey().kid).toBe(ecKid);
    expect(instance.ring.signingKey('RS256').kid).toBe(rsaKid);
    expect(instance.ring.signingKey().privateKey).toBeUndefined();
    expect(kids(await fetchJwks(instance))).toEqual([ecKid, rsaKid].sort());
    expect((await instance.keys.list()).map((key) => [key.kid, key.status]).sort()).toEqual(
      [
        [ecKid, 'active'],
        [rsaKid, 'active'],
      ].sort(),
    );
    await expect(instance.keys.rotate()).rejects.toThrow(
      'Cannot rotate the keys of keys.signer: the signer (KMS/HSM) holds them, manage them there.',
    );
    await expect(instance.keys.retire(ecKid)).rejects.toBeInstanceOf(SigningKeyError);
    await expect(instance.keys.reencrypt()).rejects.toBeInstanceOf(SigningKeyError);
    expect(await countStoredKeys(instance)).toBe(0);

    // A rotation in the signer: picked up on reload; the old key still verifies.
    const newKid = signer.addKey('ES256');
    await instance.ring.reload();
    expect(instance.ring.signingKey().kid).toBe(newKid);
    expect(kids(await fetchJwks(instance))).toEqual([ecKid, newKid, rsaKid].sort());
    expect((await instance.ring.verificationKey(ecKid))?.status).toBe('retiring');

    // An algorithm the signer has no key for stops the start.
    await expect(
      startInstance(target, database, { keys: { algorithms: ['PS256'], signer } }),
    ).rejects.toThrow('keys.signer has no active PS256 key, but keys.algorithms lists PS256');
  });
});

// Express only: Fastify runs on SQLite alone (test/support/targets.ts).
describeOn('postgres', 'mariadb')(
  'instances starting together on a fresh database (%s)',
  (target) => {
    it('generate exactly one key per algorithm, which they all sign with and publish', async () => {
      const database = await openTestDatabase(target);
      const instances: Instance[] = [];
      try {
        const started = await Promise.allSettled(
          [1, 2, 3].map(() =>
            startInstance(target, database, { keys: { algorithms: ['ES256', 'RS256'] } }),
          ),
        );
        for (const result of started)
          if (result.status === 'fulfilled') instances.push(result.value);
        expect(started.map((result) => result.status)).toEqual([
          'fulfilled',
          'fulfilled',
          'fulfilled',
        ]);

        const rows = await storedRows(instances[0]);
        expect(rows.map((row) => [row.alg, row.status]).sort()).toEqual([
          ['ES256', 'active'],
          ['RS256', 'active'],
        ]);
        const byKid = (a: JWK, b: JWK) => a.kid!.localeCompare(b.kid!);
        const jwks = (await Promise.all(instances.map(fetchJwks))).map((set) =>
          set.keys.sort(byKid),
        );
        for (const [index, instance] of instances.entries()) {
          expect(jwks[index]).toEqual(jwks[0]);
          expect(instance.ring.signingKey('ES256').kid).toBe(
            rows.find((row) => row.alg === 'ES256')!.kid,
          );
          expect(instance.ring.signingKey('RS256').kid).toBe(
            rows.find((row) => row.alg === 'RS256')!.kid,
          );
        }
      } finally {
        for (const instance of instances) await instance.close();
        await database.dispose();
      }
    });
  },
);
