// The interaction store on each database: pending means neither used nor expired, consume is
// one atomic statement that only one caller wins, and deleteExpired honours its batch size.
import { DataSource, DataSourceOptions } from 'typeorm';
import { OAUTH_ENTITIES, OAUTH_MIGRATIONS } from '../../src';
import { OAuthInteraction } from '../support/entities';
import type { AuthorizationRequest } from '../../src/interactions/authorization-request';
import { TypeOrmInteractionStore } from '../../src/storage/typeorm/typeorm-interaction.store';
import { openTestDatabase, OpenTestDatabase, TEST_DATABASE_KINDS } from '../support/databases';

const NOW = 1_800_000_000_000;
const REQUEST: AuthorizationRequest = {
  clientId: 'client-1',
  redirectUri: 'https://app.example/cb',
  scopes: ['openid', 'accounts:read'],
  state: 'state-123',
  prompt: [],
};

let sequence = 0;
function interaction(fields: Partial<OAuthInteraction> = {}): OAuthInteraction {
  sequence += 1;
  return {
    id: `interaction-${sequence}`,
    request: REQUEST,
    subject: null,
    browserBindingHash: 'h'.repeat(43),
    expiresAt: NOW + 60_000,
    consumedAt: null,
    createdAt: NOW,
    ...fields,
  };
}

describe.each(TEST_DATABASE_KINDS)('TypeOrmInteractionStore (%s)', (kind) => {
  let database: OpenTestDatabase;
  let dataSource: DataSource;
  let store: TypeOrmInteractionStore;

  beforeAll(async () => {
    database = await openTestDatabase(kind);
    dataSource = new DataSource({
      ...database.options,
      entities: OAUTH_ENTITIES,
      migrations: OAUTH_MIGRATIONS,
      migrationsRun: true,
    } as DataSourceOptions);
    await dataSource.initialize();
    store = new TypeOrmInteractionStore(dataSource);
  });

  beforeEach(() => dataSource.getRepository(OAuthInteraction).clear());

  afterAll(async () => {
    await dataSource.destroy();
    await database.dispose();
  });

  it('finds a pending interaction as it was inserted, and records its subject', async () => {
    const row = interaction();
    await store.insert(row);
    expect(await store.findPending(row.id, NOW)).toEqual(row);
    await store.setSubject(row.id, 'user-alice');
    expect(await store.findPending(row.id, NOW)).toEqual({ ...row, subject: 'user-alice' });
  });

  it('does not find an unknown, expired or used interaction', async () => {
    const expired = interaction({ expiresAt: NOW });
    const used = interaction({ consumedAt: NOW - 1 });
    await store.insert(expired);
    await store.insert(used);
    expect(await store.findPending('no-such-id', NOW)).toBeNull();
    expect(await store.findPending(expired.id, NOW)).toBeNull();
    expect(await store.findPending(expired.id, NOW - 1)).not.toBeNull();
    expect(await store.findPending(used.id, NOW)).toBeNull();
  });

  it('rebinds only from the current hash, once, and never a used or expired interaction', async () => {
    const row = interaction();
    const [used, expired] = [interaction({ consumedAt: NOW - 1 }), interaction({ expiresAt: NOW })];
    for (const each of [row, used, expired]) await store.insert(each);
    const [from, to, other] = ['h'.repeat(43), 'n'.repeat(43), 'o'.repeat(43)];
    expect(await store.rebind(row.id, other, to, NOW)).toBe(false);
    const racing = await Promise.all([
      store.rebind(row.id, from, to, NOW),
      store.rebind(row.id, from, other, NOW),
    ]);
    expect(racing.filter(Boolean)).toHaveLength(1);
    const winner = racing[0] ? to : other;
    expect((await store.findPending(row.id, NOW))?.browserBindingHash).toBe(winner);
    expect(await store.rebind(used.id, from, to, NOW)).toBe(false);
    expect(await store.rebind(expired.id, from, to, NOW)).toBe(false);
    expect(await store.rebind('no-such-id', from, to, NOW)).toBe(false);
  });

  it('consumes once: true, then false, and the interaction is no longer pending', async () => {
    const row = interaction();
    await store.insert(row);
    expect(await store.consume(row.id, NOW)).toBe(true);
    expect(await store.consume(row.id, NOW + 1)).toBe(false);
    expect(await store.findPending(row.id, NOW)).toBeNull();
    const stored = await dataSource.getRepository(OAuthInteraction).findOneBy({ id: row.id });
    expect(stored?.consumedAt).toBe(NOW);
    expect(await store.consume('no-such-id', NOW)).toBe(false);
  });

  it('lets exactly one of several concurrent consumes win', async () => {
    const row = interaction();
    await store.insert(row);
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, index) => store.consume(row.id, NOW + index)),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('deletes only expired interactions, at most batchSize at a time', async () => {
    const expired = [1, 2, 3].map((age) => interaction({ expiresAt: NOW - age }));
    const live = [interaction({ expiresAt: NOW }), interaction({ expiresAt: NOW + 1 })];
    for (const row of [...expired, ...live]) await store.insert(row);

    expect(await store.deleteExpired(NOW, 2)).toBe(2);
    expect(await store.deleteExpired(NOW, 2)).toBe(1);
    expect(await store.deleteExpired(NOW, 2)).toBe(0);
    const left = await dataSource.getRepository(OAuthInteraction).find();
    expect(left.map((row) => row.id).sort()).toEqual(live.map((row) => row.id).sort());
  });
});
