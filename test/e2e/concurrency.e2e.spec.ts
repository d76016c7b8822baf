// Many requests at once. On PostgreSQL the hot lookups and inserts of concurrent requests share
// statements (src/storage/batcher.ts); whatever the database, every request must get exactly its
// own answer, a revoked token must be refused among valid ones, and a request the database
// refuses must fail alone.
import { Controller, Get, UseGuards } from '@nestjs/common';
import { decodeJwt } from 'jose';
import {
  AccessToken,
  ConsentService,
  OAUTH_DATA_SOURCE,
  OAUTH_PATHS,
  OAuthGuard,
  Scopes,
  type VerifiedAccessToken,
} from '../../src';
import { type OAuthClient } from '../support/entities';
import { ClientStore } from '../../src/storage/stores/client.store';
import { TEST_TARGETS } from '../support/targets';
import { startTestApp, TestApp } from '../support/test-app';
import {
  basicAuth,
  basicHeaders,
  clientCredentials,
  postForm,
  queryRows,
  registerServiceClient,
  TestClient,
} from '../support/token-helpers';

@Controller('api')
class AccountsController {
  @Get('accounts')
  @UseGuards(OAuthGuard)
  @Scopes('accounts:read')
  accounts(@AccessToken() token: VerifiedAccessToken) {
    return { clientId: token.clientId, tokenId: token.id };
  }
}

/** Counts the statements sent straight to the PostgreSQL pool (where batching happens). */
function countPoolQueries(server: TestApp): { count(): number; stop(): void } {
  const pool = (
    server.app.get(OAUTH_DATA_SOURCE).driver as {
      master: { query: (...args: unknown[]) => unknown };
    }
  ).master;
  const original = pool.query;
  let count = 0;
  pool.query = function (this: unknown, ...args: unknown[]) {
    count++;
    return original.apply(this, args);
  };
  return { count: () => count, stop: () => (pool.query = original) };
}

describe.each(TEST_TARGETS)('concurrent requests (%s)', (target) => {
  let server: TestApp;
  let clients: TestClient[];

  beforeAll(async () => {
    server = await startTestApp(target, {}, { controllers: [AccountsController] });
    clients = await Promise.all(
      [1, 2, 3].map(() => registerServiceClient(server, { scopes: ['accounts:read'] })),
    );
  });
  afterAll(() => server.close());

  async function issueTokens(count: number): Promise<{ token: string; client: TestClient }[]> {
    const calls = await Promise.all(
      Array.from({ length: count }, (_, index) => {
        const client = clients[index % clients.length];
        return clientCredentials(server, client, { scope: 'accounts:read' }).then((call) => ({
          call,
          client,
        }));
      }),
    );
    expect(calls.map(({ call }) => call.status)).toEqual(calls.map(() => 200));
    return calls.map(({ call, client }) => ({ token: call.body.access_token, client }));
  }

  it('issues 60 tokens at once to three clients: each stored once, under its own client', async () => {
    const issued = await issueTokens(60);
    const claims = issued.map(({ token }) => decodeJwt(token));
    expect(claims.map((claim) => claim.client_id)).toEqual(
      issued.map(({ client }) => client.clientId),
    );
    const ids = claims.map((claim) => claim.jti!);
    expect(new Set(ids).size).toBe(60);
    const rows = await queryRows(server, 'SELECT id, client_id FROM oauth_tokens');
    const stored = new Map(rows.map((row) => [row.id, row.client_id]));
    for (const claim of claims) expect(stored.get(claim.jti)).toBe(claim.client_id);
  });

  it('checks 60 protected calls at once: revoked tokens refused, every other one answered as itself', async () => {
    const issued = await issueTokens(30);
    const revoked = new Set(issued.filter((_, index) => index % 3 === 0).map(({ token }) => token));
    for (const { token, client } of issued.filter(({ token }) => revoked.has(token))) {
      const call = await postForm(server, { token }, basicHeaders(client), OAUTH_PATHS.revocation);
      expect(call.status).toBe(200);
    }
    const calls = issued.flatMap(({ token, client }) => [
      { token, client },
      { token, client },
    ]);
    const responses = await Promise.all(
      calls.map(({ token }) =>
        fetch(`${server.url}/api/accounts`, { headers: { authorization: `Bearer ${token}` } }),
      ),
    );
    for (const [index, response] of responses.entries()) {
      const { token, client } = calls[index];
      if (revoked.has(token)) {
        expect(response.status).toBe(401);
        expect(response.headers.get('www-authenticate')).toContain('error="invalid_token"');
      } else {
        expect(response.status).toBe(200);
        expect(await response.json()).toEqual({
          clientId: client.clientId,
          tokenId: decodeJwt(token).jti,
        });
      }
    }
  });

  it('a client id the database cannot store fails alone among requests sent with it', async () => {
    const refused = basicAuth('client\u0000id', 'secret');
    const calls = await Promise.all([
      ...clients.map((client) => clientCredentials(server, client, { scope: 'accounts:read' })),
      postForm(server, { grant_type: 'client_credentials' }, { authorization: refused }),
      ...clients.map((client) => clientCredentials(server, client, { scope: 'accounts:read' })),
    ]);
    expect(calls.map((call) => call.status)).toEqual([200, 200, 200, 401, 200, 200, 200]);
    expect(calls[3].body.error).toBe('invalid_client');
    // The same input elsewhere: an error page for an unknown sign-in request, not a server error.
    const interaction = await fetch(`${server.url}${OAUTH_PATHS.authorize}/interaction/a%00b`);
    expect(interaction.status).toBe(400);
    const authorize = await fetch(`${server.url}${OAUTH_PATHS.authorize}?client_id=a%00b`);
    expect(authorize.status).toBe(400);
  });

  if (target.database !== 'sqlite') {
    it('a consent the database refuses fails at once instead of being retried forever', async () => {
      // PostgreSQL and MariaDB (strict mode) enforce the subject column's length; only a unique
      // violation is a race.
      await expect(
        server.app
          .get(ConsentService)
          .grant('u'.repeat(300), clients[0].clientId, ['accounts:read']),
      ).rejects.toThrow();
    });
  }

  if (target.database === 'postgres') {
    it('answers concurrent lookups on PostgreSQL with shared queries, each caller getting its own row', async () => {
      const ids = [...clients.map((client) => client.clientId), 'no-such-client'];
      const wanted = Array.from({ length: 20 }, (_, index) => ids[index % ids.length]);
      const queries = countPoolQueries(server);
      let found: (OAuthClient | null)[];
      try {
        found = await Promise.all(wanted.map((id) => server.app.get(ClientStore).find(id)));
      } finally {
        queries.stop();
      }
      expect(found.map((client) => client?.clientId ?? null)).toEqual(
        wanted.map((id) => (id === 'no-such-client' ? null : id)),
      );
      // The first lookup goes at once; the 19 made while it ran share the next query.
      expect(queries.count()).toBe(2);
    });
  }
});
