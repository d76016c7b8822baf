// The refresh_token grant (RFC 6749 §6, RFC 9700 §4.14.2): rotation, reuse detection that
// revokes the family, the retry window for a lost response, single use under concurrency,
// absolute lifetime, scope narrowing.
import { Controller, Get, UseGuards } from '@nestjs/common';
import { createLocalJWKSet, decodeJwt, jwtVerify } from 'jose';
import { OAUTH_PATHS, OAuthGuard, Scopes } from '../../src';
import { TEST_TARGETS } from '../support/targets';
import { startTestApp, TestApp } from '../support/test-app';
import {
  basicHeaders,
  postForm,
  queryRows,
  refresh,
  registerCodeClient,
  seedCodeAndExchange,
  sha256,
  sleep,
  TestClient,
  TokenCall,
  expectTokenError,
} from '../support/token-helpers';

function expectRefreshed(call: TokenCall): void {
  expect({ status: call.status, error: call.body?.error }).toEqual({
    status: 200,
    error: undefined,
  });
}

@Controller('api')
class AccountsController {
  @Get('accounts')
  @UseGuards(OAuthGuard)
  @Scopes('accounts:read')
  accounts() {
    return { ok: true };
  }
}

/** The status of a protected call with `accessToken` (strict revocation check: the default). */
async function apiStatus(server: TestApp, accessToken: string): Promise<number> {
  const response = await fetch(`${server.url}/api/accounts`, {
    headers: { authorization: `Bearer ${accessToken}` },
  });
  return response.status;
}

/** The rows of the family a refresh token belongs to. */
async function familyRows(server: TestApp, refreshToken: string): Promise<any[]> {
  const [row] = await queryRows(
    server,
    'SELECT family_id FROM oauth_tokens WHERE refresh_token_hash = ?',
    [sha256(refreshToken)],
  );
  expect(row).toBeDefined();
  return queryRows(
    server,
    'SELECT id, revoked_at, refresh_count FROM oauth_tokens WHERE family_id = ? ORDER BY refresh_count',
    [row.family_id],
  );
}

describe.each(TEST_TARGETS)('refresh_token grant (%s)', (target) => {
  let server: TestApp;
  let client: TestClient;
  beforeAll(async () => {
    server = await startTestApp(target);
    client = await registerCodeClient(server);
  });
  afterAll(() => server.close());

  it('answers with the documented fields and no-store headers', async () => {
    const first = await seedCodeAndExchange(server, client);
    const call = await refresh(server, client, first.refresh_token);
    expect(call.status).toBe(200);
    expect(call.headers.get('cache-control')).toBe('no-store');
    expect(call.headers.get('pragma')).toBe('no-cache');
    expect(call.body).toEqual({
      token_type: 'Bearer',
      access_token: expect.any(String),
      expires_in: 3600,
      scope: 'accounts:read payments:write',
      status: 'approved',
      refresh_token: expect.any(String),
      refresh_token_expires_in: expect.any(Number),
      refresh_token_issued_at: expect.any(Number),
      refresh_count: 1,
    });
    const jwks = createLocalJWKSet(await (await fetch(`${server.url}${OAUTH_PATHS.jwks}`)).json());
    const { payload } = await jwtVerify(call.body.access_token, jwks, {
      issuer: server.url,
      typ: 'at+jwt',
    });
    expect(payload).toMatchObject({
      sub: 'user-alice',
      client_id: client.clientId,
      scope: 'accounts:read payments:write',
    });
  });

  it('rotates: a new refresh token each time, an old one then fails and revokes the whole family', async () => {
    const first = await seedCodeAndExchange(server, client);
    const second = await refresh(server, client, first.refresh_token);
    expectRefreshed(second);
    expect(second.body.refresh_token).not.toBe(first.refresh_token);
    expect(second.body.access_token).not.toBe(first.access_token);
    const third = await refresh(server, client, second.body.refresh_token);
    expectRefreshed(third);

    // Replaying a rotated token whose successor was used: refused, and taken as theft.
    expectTokenError(await refresh(server, client, first.refresh_token), 'invalid_grant');
    // The legitimate (newest) token of the family is dead too.
    expectTokenError(await refresh(server, client, third.body.refresh_token), 'invalid_grant');

    const rows = await familyRows(server, first.refresh_token);
    expect(rows).toHaveLength(3);
    for (const row of rows) expect(row.revoked_at).not.toBeNull();
  });

  it('counts refreshes: 0 on the first issue, then 1, then 2', async () => {
    const first = await seedCodeAndExchange(server, client);
    expect(first.refresh_count).toBe(0);
    const second = await refresh(server, client, first.refresh_token);
    expect(second.body.refresh_count).toBe(1);
    const third = await refresh(server, client, second.body.refresh_token);
    expect(third.body.refresh_count).toBe(2);
    const rows = await familyRows(server, third.body.refresh_token);
    expect(rows.map((row) => Number(row.refresh_count))).toEqual([0, 1, 2]);
    expect(rows.every((row) => row.revoked_at === null)).toBe(true);
  });

  it('reports refresh_token_issued_at in seconds since the epoch', async () => {
    const before = Math.floor(Date.now() / 1000);
    const first = await seedCodeAndExchange(server, client);
    const second = await refresh(server, client, first.refresh_token);
    const after = Math.ceil(Date.now() / 1000);
    for (const body of [first, second.body]) {
      expect(body.refresh_token_issued_at).toBeGreaterThanOrEqual(before);
      expect(body.refresh_token_issued_at).toBeLessThanOrEqual(after);
    }
    expect(first.refresh_token_expires_in).toBe(30 * 24 * 3600);
  });

  it('lets the scope narrow, and a later refresh without scope gets the whole grant back', async () => {
    const first = await seedCodeAndExchange(server, client, {
      scopes: ['accounts:read', 'payments:write', 'profile'],
    });
    const narrowed = await refresh(server, client, first.refresh_token, { scope: 'accounts:read' });
    expectRefreshed(narrowed);
    expect(narrowed.body.scope).toBe('accounts:read');
    expect(decodeJwt(narrowed.body.access_token).scope).toBe('accounts:read');

    const full = await refresh(server, client, narrowed.body.refresh_token);
    expectRefreshed(full);
    expect(full.body.scope.split(' ').sort()).toEqual([
      'accounts:read',
      'payments:write',
      'profile',
    ]);
    expect((decodeJwt(full.body.access_token).scope as string).split(' ').sort()).toEqual([
      'accounts:read',
      'payments:write',
      'profile',
    ]);
  });

  it('refuses to widen the scope with invalid_scope, and the token stays usable', async () => {
    const first = await seedCodeAndExchange(server, client, { scopes: ['accounts:read'] });
    expectTokenError(
      await refresh(server, client, first.refresh_token, { scope: 'accounts:read payments:write' }),
      'invalid_scope',
    );
    expectTokenError(
      await refresh(server, client, first.refresh_token, { scope: 'no-such-scope' }),
      'invalid_scope',
    );
    const call = await refresh(server, client, first.refresh_token);
    expectRefreshed(call);
    expect(call.body.scope).toBe('accounts:read');
  });

  it("treats another client's refresh token as invalid, without revoking the owner's family", async () => {
    const first = await seedCodeAndExchange(server, client);
    const thief = await registerCodeClient(server);
    expectTokenError(await refresh(server, thief, first.refresh_token), 'invalid_grant');
    const rows = await familyRows(server, first.refresh_token);
    expect(rows.every((row) => row.revoked_at === null)).toBe(true);
    expectRefreshed(await refresh(server, client, first.refresh_token));
  });

  it('refuses an unknown refresh token with invalid_grant', async () => {
    expectTokenError(await refresh(server, client, 'a'.repeat(43)), 'invalid_grant');
  });

  it('refuses a request without refresh_token with invalid_request', async () => {
    const call = await postForm(server, { grant_type: 'refresh_token' }, basicHeaders(client));
    expectTokenError(call, 'invalid_request');
  });

  it('refuses a client not registered for refresh_token with unauthorized_client', async () => {
    const codeOnly = await registerCodeClient(server, { grantTypes: ['authorization_code'] });
    const first = await seedCodeAndExchange(server, codeOnly);
    expect(first).not.toHaveProperty('refresh_token');
    // Even with a real refresh token from another client, the grant itself is refused first.
    const other = await seedCodeAndExchange(server, client);
    expectTokenError(await refresh(server, codeOnly, other.refresh_token), 'unauthorized_client');
    expectRefreshed(await refresh(server, client, other.refresh_token));
  });

  it('20 concurrent refreshes of a fresh token: at most the rotation and one retry succeed, the rest are reuse', async () => {
    // A presentation that reads the token after the winner's rotation committed is a retry
    // within the window; it supersedes the winner's pair. The successor is spent once, so at most
    // one retry wins; the others are reuse and revoke the family.
    const first = await seedCodeAndExchange(server, client);
    const calls = await Promise.all(
      Array.from({ length: 20 }, () => refresh(server, client, first.refresh_token)),
    );
    const successes = calls.filter((call) => call.status === 200);
    expect(successes.length).toBeGreaterThanOrEqual(1);
    expect(successes.length).toBeLessThanOrEqual(2);
    for (const failure of calls.filter((call) => call.status !== 200)) {
      expectTokenError(failure, 'invalid_grant');
    }
    const rows = await familyRows(server, first.refresh_token);
    expect(rows).toHaveLength(1 + successes.length);
    for (const row of rows) expect(row.revoked_at).not.toBeNull();
  });
});

describe.each(TEST_TARGETS)('refresh_token absolute lifetime (%s)', (target) => {
  let server: TestApp;
  let client: TestClient;
  beforeAll(async () => {
    server = await startTestApp(target, { refreshTokenTtl: 3 });
    client = await registerCodeClient(server);
  });
  afterAll(() => server.close());

  it('counts the lifetime from the first issue: rotation does not extend it', async () => {
    const first = await seedCodeAndExchange(server, client);
    const exchangedAt = Date.now(); // the family expires at most 3 s after this
    expect(first.refresh_token_expires_in).toBeGreaterThanOrEqual(2);
    expect(first.refresh_token_expires_in).toBeLessThanOrEqual(3);

    await sleep(1200);
    const second = await refresh(server, client, first.refresh_token);
    expectRefreshed(second);
    expect(second.body.refresh_token_expires_in).toBeLessThan(first.refresh_token_expires_in);
    expect(second.body.refresh_token_issued_at).toBeGreaterThanOrEqual(
      first.refresh_token_issued_at,
    );

    await sleep(Math.max(0, exchangedAt + 3100 - Date.now()));
    expectTokenError(await refresh(server, client, second.body.refresh_token), 'invalid_grant');
  });
});

describe.each(TEST_TARGETS)('refresh_token retry window (%s)', (target) => {
  // The default window (refreshTokenReuseInterval: 5 s): a client whose refresh response was lost
  // presents the token it just rotated again.
  let server: TestApp;
  let client: TestClient;
  beforeAll(async () => {
    server = await startTestApp(target, {}, { controllers: [AccountsController] });
    client = await registerCodeClient(server);
  });
  afterAll(() => server.close());

  /** A family rotated once: `first` is used, `lost` is the pair whose response the client lost. */
  async function rotatedOnce(): Promise<{ first: any; lost: any }> {
    const first = await seedCodeAndExchange(server, client);
    const lost = await refresh(server, client, first.refresh_token);
    expectRefreshed(lost);
    return { first, lost: lost.body };
  }

  it('gives a retry within the window a working fresh pair; the unused pair it supersedes stops working', async () => {
    const { first, lost } = await rotatedOnce();
    const retry = await refresh(server, client, first.refresh_token);
    expectRefreshed(retry);
    expect(retry.body.refresh_token).not.toBe(lost.refresh_token);
    expect(retry.body.access_token).not.toBe(lost.access_token);
    // The family is a chain: the retry's row follows the superseded one.
    expect(retry.body.refresh_count).toBe(2);

    // The fresh access token works; the superseded one is refused at once (strict check).
    expect(await apiStatus(server, retry.body.access_token)).toBe(200);
    expect(await apiStatus(server, lost.access_token)).toBe(401);

    const rows = await familyRows(server, first.refresh_token);
    expect(rows.map((row) => [Number(row.refresh_count), row.revoked_at !== null])).toEqual([
      [0, false],
      [1, true],
      [2, false],
    ]);
    // And the fresh refresh token rotates as usual.
    const next = await refresh(server, client, retry.body.refresh_token);
    expectRefreshed(next);
    expect(await apiStatus(server, next.body.access_token)).toBe(200);
  });

  it('takes the superseded refresh token, presented later, as reuse: the family is revoked', async () => {
    const { first, lost } = await rotatedOnce();
    const retry = await refresh(server, client, first.refresh_token);
    expectRefreshed(retry);
    // Someone else held the pair the client never received.
    expectTokenError(await refresh(server, client, lost.refresh_token), 'invalid_grant');
    expectTokenError(await refresh(server, client, retry.body.refresh_token), 'invalid_grant');
    expect(await apiStatus(server, retry.body.access_token)).toBe(401);
    for (const row of await familyRows(server, first.refresh_token)) {
      expect(row.revoked_at).not.toBeNull();
    }
  });

  it('takes a retry after the successor was used as reuse: the family is revoked', async () => {
    const { first, lost } = await rotatedOnce();
    const used = await refresh(server, client, lost.refresh_token);
    expectRefreshed(used);
    expectTokenError(await refresh(server, client, first.refresh_token), 'invalid_grant');
    expectTokenError(await refresh(server, client, used.body.refresh_token), 'invalid_grant');
    expect(await apiStatus(server, used.body.access_token)).toBe(401);
    const rows = await familyRows(server, first.refresh_token);
    expect(rows).toHaveLength(3);
    for (const row of rows) expect(row.revoked_at).not.toBeNull();
  });

  it('grants one retry per rotation: a second retry is reuse', async () => {
    const { first } = await rotatedOnce();
    const retry = await refresh(server, client, first.refresh_token);
    expectRefreshed(retry);
    expectTokenError(await refresh(server, client, first.refresh_token), 'invalid_grant');
    expectTokenError(await refresh(server, client, retry.body.refresh_token), 'invalid_grant');
    for (const row of await familyRows(server, first.refresh_token)) {
      expect(row.revoked_at).not.toBeNull();
    }
  });

  it("treats another client's presentation within the window as an unknown token, leaving the family alone", async () => {
    const { first, lost } = await rotatedOnce();
    const other = await registerCodeClient(server);
    expectTokenError(await refresh(server, other, first.refresh_token), 'invalid_grant');
    for (const row of await familyRows(server, first.refresh_token)) {
      expect(row.revoked_at).toBeNull();
    }
    expectRefreshed(await refresh(server, client, lost.refresh_token));
  });

  it('gives exactly one success to 20 concurrent retries of a just-rotated token; the rest are reuse', async () => {
    const { first } = await rotatedOnce();
    const calls = await Promise.all(
      Array.from({ length: 20 }, () => refresh(server, client, first.refresh_token)),
    );
    expect(calls.filter((call) => call.status === 200)).toHaveLength(1);
    const failures = calls.filter((call) => call.status !== 200);
    expect(failures).toHaveLength(19);
    for (const failure of failures) expectTokenError(failure, 'invalid_grant');
    // One row was issued by the retries, and the losers revoked the family after it committed.
    const rows = await familyRows(server, first.refresh_token);
    expect(rows).toHaveLength(3);
    for (const row of rows) expect(row.revoked_at).not.toBeNull();
  });

  it("gives exactly one success to a retry racing the successor's own refresh; the family ends revoked", async () => {
    for (let round = 0; round < 6; round++) {
      const { first, lost } = await rotatedOnce();
      // Sent in both orders (on SQLite the first sent tends to win).
      const tokens = [first.refresh_token, lost.refresh_token];
      if (round % 2 === 1) tokens.reverse();
      const calls = await Promise.all(tokens.map((token) => refresh(server, client, token)));
      expect(calls.filter((call) => call.status === 200)).toHaveLength(1);
      for (const failure of calls.filter((call) => call.status !== 200)) {
        expectTokenError(failure, 'invalid_grant');
      }
      const rows = await familyRows(server, first.refresh_token);
      expect(rows).toHaveLength(3);
      for (const row of rows) expect(row.revoked_at).not.toBeNull();
    }
  });
});

describe.each(TEST_TARGETS)('refresh_token retry window bounds (%s)', (target) => {
  let short: TestApp;
  let shortClient: TestClient;
  let strict: TestApp;
  let strictClient: TestClient;
  beforeAll(async () => {
    short = await startTestApp(target, { refreshTokenReuseInterval: 1 });
    shortClient = await registerCodeClient(short);
    strict = await startTestApp(target, { refreshTokenReuseInterval: 0 });
    strictClient = await registerCodeClient(strict);
  });
  afterAll(async () => {
    await short?.close();
    await strict?.close();
  });

  it('takes a retry after the window as reuse: the family is revoked', async () => {
    const first = await seedCodeAndExchange(short, shortClient);
    const lost = await refresh(short, shortClient, first.refresh_token);
    expectRefreshed(lost);
    await sleep(1100);
    expectTokenError(await refresh(short, shortClient, first.refresh_token), 'invalid_grant');
    expectTokenError(await refresh(short, shortClient, lost.body.refresh_token), 'invalid_grant');
    for (const row of await familyRows(short, first.refresh_token)) {
      expect(row.revoked_at).not.toBeNull();
    }
  });

  it('with a window of 0, takes an immediate retry as reuse (strict detection)', async () => {
    const first = await seedCodeAndExchange(strict, strictClient);
    const lost = await refresh(strict, strictClient, first.refresh_token);
    expectRefreshed(lost);
    expectTokenError(await refresh(strict, strictClient, first.refresh_token), 'invalid_grant');
    expectTokenError(await refresh(strict, strictClient, lost.body.refresh_token), 'invalid_grant');
    const rows = await familyRows(strict, first.refresh_token);
    expect(rows).toHaveLength(2);
    for (const row of rows) expect(row.revoked_at).not.toBeNull();
  });

  it('gives exactly one success to 20 concurrent refreshes of a fresh token', async () => {
    const first = await seedCodeAndExchange(strict, strictClient);
    const calls = await Promise.all(
      Array.from({ length: 20 }, () => refresh(strict, strictClient, first.refresh_token)),
    );
    const statuses = calls.map((call) => call.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(1);
    const failures = calls.filter((call) => call.status !== 200);
    expect(failures).toHaveLength(19);
    for (const failure of failures) {
      expect({ status: failure.status, error: failure.body?.error }).toEqual({
        status: 400,
        error: 'invalid_grant',
      });
    }
    // Exactly one new row was issued from the token.
    const rows = await familyRows(strict, first.refresh_token);
    expect(rows).toHaveLength(2);
  });
});
