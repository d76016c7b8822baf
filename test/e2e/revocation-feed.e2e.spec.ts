// The strict revocation check on PostgreSQL with the revocation feed (LISTEN/NOTIFY): two
// instances on one database, tokens remembered as live by one and revoked through the other,
// or by an operator's SQL, or while the listening connection is lost. A revocation must stop
// the token on every instance, within the feed's bounds (at once on the revoking instance).
import { Controller, Get, UseGuards } from '@nestjs/common';
import { OAUTH_PATHS, OAuthGuard, Scopes } from '../../src';
import { TokenStore } from '../../src/storage/stores/token.store';
import { openTestDatabase, OpenTestDatabase } from '../support/databases';
import { describeOn } from '../support/targets';
import { freePort, startTestApp, TestApp } from '../support/test-app';
import {
  basicHeaders,
  clientCredentials,
  dataSourceOf,
  postForm,
  registerServiceClient,
  TestClient,
} from '../support/token-helpers';

@Controller('api')
@UseGuards(OAuthGuard)
@Scopes('accounts:read')
class AccountsController {
  @Get('accounts')
  accounts() {
    return [];
  }
}

async function status(server: TestApp, token: string): Promise<number> {
  const response = await fetch(`${server.url}/api/accounts`, {
    headers: { authorization: `Bearer ${token}` },
  });
  return response.status;
}

/** Polls until `server` refuses `token`; the milliseconds it took (fails past `limitMs`). */
async function msUntilRefused(server: TestApp, token: string, limitMs: number): Promise<number> {
  const started = Date.now();
  while ((await status(server, token)) === 200) {
    if (Date.now() - started > limitMs) throw new Error(`still accepted after ${limitMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return Date.now() - started;
}

describeOn('postgres')('strict revocation across instances on PostgreSQL (%s)', (target) => {
  let database: OpenTestDatabase;
  let first: TestApp;
  let second: TestApp;
  let client: TestClient;

  beforeAll(async () => {
    database = await openTestDatabase(target);
    const issuer = `http://127.0.0.1:${await freePort()}`;
    const options = { issuer, dataSource: database.options };
    first = await startTestApp(target, options, { controllers: [AccountsController] });
    second = await startTestApp(target, options, { controllers: [AccountsController] });
    client = await registerServiceClient(first);
  });
  afterAll(async () => {
    await second?.close();
    await first?.close();
    await database?.dispose();
  });

  /** A token both instances have accepted (so both may remember it as live). */
  async function acceptedToken(): Promise<string> {
    const issued = await clientCredentials(first, client, { scope: 'accounts:read' });
    const token: string = issued.body.access_token;
    for (let i = 0; i < 3; i++) {
      expect(await status(first, token)).toBe(200);
      expect(await status(second, token)).toBe(200);
    }
    return token;
  }

  it('remembers a live token: repeated requests do not read its row again', async () => {
    const token = await acceptedToken();
    const reads = jest.spyOn(second.app.get(TokenStore), 'findRevocationStatus');
    for (let i = 0; i < 5; i++) expect(await status(second, token)).toBe(200);
    expect(reads).not.toHaveBeenCalled();
    reads.mockRestore();
  });

  it('stops a token on the revoking instance at once and on the other within a second', async () => {
    const token = await acceptedToken();
    const revoked = await postForm(first, { token }, basicHeaders(client), OAUTH_PATHS.revocation);
    expect(revoked.status).toBe(200);
    expect(await status(first, token)).toBe(401);
    expect(await msUntilRefused(second, token, 1000)).toBeLessThan(1000);
  });

  it('stops a token revoked by an operator’s SQL on both instances within a second', async () => {
    const token = await acceptedToken();
    const id = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()).jti;
    await dataSourceOf(first).query('UPDATE oauth_tokens SET revoked_at = $1 WHERE id = $2', [
      Date.now(),
      id,
    ]);
    expect(await msUntilRefused(first, token, 1000)).toBeLessThan(1000);
    expect(await msUntilRefused(second, token, 1000)).toBeLessThan(1000);
  });

  it('fails closed when the listening connections are cut: a revocation still stops the token', async () => {
    const token = await acceptedToken();
    const id = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()).jti;
    const admin = dataSourceOf(first);
    // Cut the LISTEN connections, then revoke in the same breath: the notification has no
    // listener; the instances must notice the loss (or the missing heartbeat) and read the row.
    await admin.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query ILIKE '%LISTEN%' AND pid <> pg_backend_pid()`,
    );
    await admin.query('UPDATE oauth_tokens SET revoked_at = $1 WHERE id = $2', [Date.now(), id]);
    expect(await msUntilRefused(first, token, 4000)).toBeLessThan(4000);
    expect(await msUntilRefused(second, token, 4000)).toBeLessThan(4000);
  });

  it('listens again after the cut: tokens keep working and revocations keep stopping them', async () => {
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const token = await acceptedToken();
    const revoked = await postForm(second, { token }, basicHeaders(client), OAUTH_PATHS.revocation);
    expect(revoked.status).toBe(200);
    expect(await status(second, token)).toBe(401);
    expect(await msUntilRefused(first, token, 1000)).toBeLessThan(1000);
  });
});

describeOn('sqlite')('strict revocation on SQLite without a read per request (%s)', (target) => {
  let server: TestApp;
  let client: TestClient;
  beforeAll(async () => {
    server = await startTestApp(target, {}, { controllers: [AccountsController] });
    client = await registerServiceClient(server);
  });
  afterAll(() => server.close());

  async function acceptedToken(): Promise<string> {
    const issued = await clientCredentials(server, client, { scope: 'accounts:read' });
    const token: string = issued.body.access_token;
    expect(await status(server, token)).toBe(200);
    return token;
  }

  it('remembers a live token: repeated requests do not read its row again', async () => {
    const token = await acceptedToken();
    const reads = jest.spyOn(server.app.get(TokenStore), 'findRevocationStatus');
    for (let i = 0; i < 5; i++) expect(await status(server, token)).toBe(200);
    expect(reads).not.toHaveBeenCalled();
    reads.mockRestore();
  });

  it('stops a token revoked through the revocation endpoint at once', async () => {
    const token = await acceptedToken();
    await postForm(server, { token }, basicHeaders(client), OAUTH_PATHS.revocation);
    expect(await status(server, token)).toBe(401);
  });

  it('stops a token revoked by the host’s own SQL on the same connection at once', async () => {
    const token = await acceptedToken();
    const id = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()).jti;
    await dataSourceOf(server).query('UPDATE oauth_tokens SET revoked_at = ? WHERE id = ?', [
      Date.now(),
      id,
    ]);
    expect(await status(server, token)).toBe(401);
  });
});
