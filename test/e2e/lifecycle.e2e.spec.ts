// Token lifecycle on SQLite and PostgreSQL: the cleanup job (exactly what expired goes, in
// batches, safely when run twice at once, on a timer or not at all), and the host revocation
// API (everything of a user, of a client, of a user at a client; ClientService.delete), which
// also forgets remembered consent and unused codes.
import { randomUUID } from 'node:crypto';
import { decodeJwt } from 'jose';
import { IsNull, Not } from 'typeorm';
import { CleanupService, ClientService, ConsentService, TokenRevocationService } from '../../src';
import { OAuthAuthorizationCode, OAuthInteraction, OAuthToken } from '../support/entities';
import { OAuthClientAssertion } from '../../src/storage/entities/oauth-client-assertion.entity';
import { OAuthPushedRequest } from '../../src/storage/entities/oauth-pushed-request.entity';
import { TEST_TARGETS, TestTarget } from '../support/targets';
import {
  countRows,
  isActive,
  openConsentPage,
  ProtectedAccountsController,
  protectedStatus,
  seedCodeRow,
  seedInteractionRow,
  seedTokenRow,
  serviceToken,
  storedIds,
} from '../support/lifecycle-helpers';
import { startTestApp, TestApp } from '../support/test-app';
import {
  dataSourceOf,
  postForm,
  refresh,
  REDIRECT_URI,
  registerCodeClient,
  registerServiceClient,
  seedCode,
  seedCodeAndExchange,
  SeededCode,
  sleep,
  TestClient,
} from '../support/token-helpers';
import type { OAuthModuleOptions } from '../../src';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const withGuard = { controllers: [ProtectedAccountsController] };

describe.each(TEST_TARGETS)('token lifecycle (%s)', (target: TestTarget) => {
  let server: TestApp | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });
  async function start(overrides: Partial<OAuthModuleOptions> = {}): Promise<TestApp> {
    server = await startTestApp(target, overrides, withGuard);
    return server;
  }

  describe('CleanupService', () => {
    it('deletes exactly the expired codes, interactions, assertions, pushed requests and fully expired tokens', async () => {
      const app = await start();
      const now = Date.now();
      const clientId = 'lifecycle-client';

      const codes = {
        expired: await seedCodeRow(app, clientId, now - MINUTE),
        expiredJustNow: await seedCodeRow(app, clientId, now - 1),
        live: await seedCodeRow(app, clientId, now + MINUTE),
        expiresExactlyNow: await seedCodeRow(app, clientId, now),
      };
      const interactions = {
        expired: await seedInteractionRow(app, clientId, now - MINUTE),
        live: await seedInteractionRow(app, clientId, now + 10 * MINUTE),
      };
      const assertions = dataSourceOf(app).getRepository(OAuthClientAssertion);
      await assertions.insert([
        { id: 'assertion-expired', expiresAt: now - MINUTE },
        { id: 'assertion-live', expiresAt: now + MINUTE },
      ]);
      const pushedRequests = dataSourceOf(app).getRepository(OAuthPushedRequest);
      const pushedRow = (id: string, expiresAt: number) => ({
        id,
        clientId,
        request: { clientId, redirectUri: REDIRECT_URI, scopes: [], prompt: [] },
        expiresAt,
        consumedAt: null,
        createdAt: now - MINUTE,
      });
      await pushedRequests.insert([
        pushedRow('pushed-expired', now - 1),
        pushedRow('pushed-live', now + MINUTE),
      ]);
      const user = { clientId, subject: 'user-alice', grantType: 'authorization_code' };
      const tokens = {
        liveAccessExpiredRefresh: await seedTokenRow(app, {
          ...user,
          expiresAt: now + HOUR,
          refreshExpiresAt: now - MINUTE,
        }),
        expiredAccessLiveRefresh: await seedTokenRow(app, {
          ...user,
          expiresAt: now - HOUR,
          refreshExpiresAt: now + DAY,
        }),
        rotatedExpiredAccessLiveFamily: await seedTokenRow(app, {
          ...user,
          expiresAt: now - HOUR,
          refreshExpiresAt: now + DAY,
          refreshConsumedAt: now - HOUR,
        }),
        revokedNotExpired: await seedTokenRow(app, {
          ...user,
          expiresAt: now - HOUR,
          refreshExpiresAt: now + DAY,
          revokedAt: now - MINUTE,
        }),
        bothExpired: await seedTokenRow(app, {
          ...user,
          expiresAt: now - 2 * HOUR,
          refreshExpiresAt: now - HOUR,
        }),
        bothExpiredAndRevoked: await seedTokenRow(app, {
          ...user,
          expiresAt: now - 2 * HOUR,
          refreshExpiresAt: now - HOUR,
          revokedAt: now - DAY,
        }),
        serviceExpired: await seedTokenRow(app, { clientId, expiresAt: now - MINUTE }),
        serviceLive: await seedTokenRow(app, { clientId, expiresAt: now + MINUTE }),
      };

      const report = await app.app.get(CleanupService).run(now);
      expect(report).toEqual({
        codes: 2,
        interactions: 1,
        clientAssertions: 1,
        pushedRequests: 1,
        tokens: 3,
        deviceAuthorizations: 0,
        attemptLimits: 0,
      });

      expect(await storedIds(app, OAuthAuthorizationCode)).toEqual(
        [codes.live, codes.expiresExactlyNow].sort(),
      );
      expect(await storedIds(app, OAuthInteraction)).toEqual([interactions.live]);
      expect(await storedIds(app, OAuthClientAssertion)).toEqual(['assertion-live']);
      expect(await storedIds(app, OAuthPushedRequest)).toEqual(['pushed-live']);
      expect(await storedIds(app, OAuthToken)).toEqual(
        [
          tokens.liveAccessExpiredRefresh,
          tokens.expiredAccessLiveRefresh,
          tokens.rotatedExpiredAccessLiveFamily,
          tokens.revokedNotExpired,
          tokens.serviceLive,
        ]
          .map((row) => row.id)
          .sort(),
      );

      // Idempotent: a second run finds nothing more.
      expect(await app.app.get(CleanupService).run(now)).toEqual({
        codes: 0,
        interactions: 0,
        clientAssertions: 0,
        pushedRequests: 0,
        deviceAuthorizations: 0,
        attemptLimits: 0,
        tokens: 0,
      });
    });

    it('ages real tokens with run(now + X): access-only rows go first, user rows when their family expires', async () => {
      const app = await start();
      const service = await registerServiceClient(app);
      const web = await registerCodeClient(app);
      const serviceAccess = await serviceToken(app, service);
      const issued = await seedCodeAndExchange(app, web);
      const unused = await seedCode(app, web);
      await openConsentPage(app, web); // a pending interaction (10 minutes)
      expect({
        tokens: await countRows(app, OAuthToken),
        codes: await countRows(app, OAuthAuthorizationCode),
        interactions: await countRows(app, OAuthInteraction),
      }).toEqual({ tokens: 2, codes: 2, interactions: 1 });

      const cleanup = app.app.get(CleanupService);
      // Nothing has expired yet.
      expect(await cleanup.run()).toEqual({
        codes: 0,
        interactions: 0,
        clientAssertions: 0,
        pushedRequests: 0,
        deviceAuthorizations: 0,
        attemptLimits: 0,
        tokens: 0,
      });

      // Two hours on: the codes, the interaction and the client_credentials token (no refresh token) are gone;
      // the user's row stays for its refresh token, which still works.
      expect(await cleanup.run(Date.now() + 2 * HOUR)).toEqual({
        codes: 2,
        interactions: 1,
        clientAssertions: 0,
        pushedRequests: 0,
        deviceAuthorizations: 0,
        attemptLimits: 0,
        tokens: 1,
      });
      expect(await storedIds(app, OAuthToken)).toEqual([decodeJwt(issued.access_token).jti]);
      expect(await protectedStatus(app, serviceAccess)).toBe(401);
      const exchange = await postForm(
        app,
        {
          grant_type: 'authorization_code',
          code: unused.code,
          code_verifier: unused.verifier,
          redirect_uri: REDIRECT_URI,
        },
        {
          authorization: `Basic ${Buffer.from(`${web.clientId}:${web.clientSecret}`).toString('base64')}`,
        },
      );
      expect({ status: exchange.status, error: exchange.body.error }).toEqual({
        status: 400,
        error: 'invalid_grant',
      });
      const rotated = await refresh(app, web, issued.refresh_token);
      expect(rotated.status).toBe(200);

      // 31 days on, the refresh family (30 days) has expired: both rows of it go.
      expect(await countRows(app, OAuthToken)).toBe(2);
      expect(await cleanup.run(Date.now() + 31 * DAY)).toEqual({
        codes: 0,
        interactions: 0,
        clientAssertions: 0,
        pushedRequests: 0,
        deviceAuthorizations: 0,
        attemptLimits: 0,
        tokens: 2,
      });
      expect(await countRows(app, OAuthToken)).toBe(0);
    });

    it('keeps rotated refresh rows while their family lives, so reuse is still detected after a cleanup', async () => {
      const app = await start();
      const web = await registerCodeClient(app);
      const issued = await seedCodeAndExchange(app, web);
      const rotated = await refresh(app, web, issued.refresh_token);
      expect(rotated.status).toBe(200);
      // Every access token of the family has expired; the family has not. The rotation is as
      // old, so far past the retry window (refreshTokenReuseInterval).
      await dataSourceOf(app)
        .getRepository(OAuthToken)
        .update({ clientId: web.clientId }, { expiresAt: Date.now() - MINUTE });
      await dataSourceOf(app)
        .getRepository(OAuthToken)
        .update(
          { clientId: web.clientId, refreshConsumedAt: Not(IsNull()) },
          { refreshConsumedAt: Date.now() - HOUR },
        );

      expect((await app.app.get(CleanupService).run()).tokens).toBe(0);
      expect(await countRows(app, OAuthToken)).toBe(2);

      // The rotated token is replayed: detected, and the whole family (the successor too) is revoked.
      const replay = await refresh(app, web, issued.refresh_token);
      expect({ status: replay.status, error: replay.body.error }).toEqual({
        status: 400,
        error: 'invalid_grant',
      });
      const successor = await refresh(app, web, rotated.body.refresh_token);
      expect({ status: successor.status, error: successor.body.error }).toEqual({
        status: 400,
        error: 'invalid_grant',
      });
    });

    it('deletes in batches: more than one batch of expired codes and tokens all go', async () => {
      const app = await start();
      const now = Date.now();
      const db = dataSourceOf(app);
      const expiredCodes = 1203;
      const expiredTokens = 1001;
      const codeRows = Array.from({ length: expiredCodes }, (_, i) => ({
        id: randomUUID(),
        codeHash: `hash-${i}-${randomUUID()}`.slice(0, 64),
        clientId: 'bulk-client',
        subject: 'user-alice',
        redirectUri: REDIRECT_URI,
        scopes: ['accounts:read'],
        codeChallenge: null,
        codeChallengeMethod: null,
        nonce: null,
        authTime: null,
        acr: null,
        resources: null,
        expiresAt: now - MINUTE - i,
        consumedAt: i % 2 ? now - 2 * MINUTE : null,
        createdAt: now - 2 * MINUTE,
      }));
      for (let i = 0; i < codeRows.length; i += 100)
        await db.getRepository(OAuthAuthorizationCode).insert(codeRows.slice(i, i + 100));
      const tokenRows = Array.from({ length: expiredTokens }, () => {
        const id = randomUUID();
        return {
          id,
          accessTokenHash: null,
          refreshTokenHash: null,
          clientId: 'bulk-client',
          subject: null,
          scopes: ['accounts:read'],
          refreshScopes: null,
          grantType: 'client_credentials',
          familyId: id,
          refreshCount: 0,
          audience: [app.url],
          issuedAt: now - 2 * HOUR,
          expiresAt: now - HOUR,
          refreshExpiresAt: null,
          refreshConsumedAt: null,
          revokedAt: null,
          originCodeId: null,
          authTime: null,
        };
      });
      for (let i = 0; i < tokenRows.length; i += 100)
        await db.getRepository(OAuthToken).insert(tokenRows.slice(i, i + 100));
      const liveCode = await seedCodeRow(app, 'bulk-client', now + MINUTE);
      const liveToken = await seedTokenRow(app, { clientId: 'bulk-client', expiresAt: now + HOUR });
      expect(await countRows(app, OAuthAuthorizationCode)).toBe(expiredCodes + 1);
      expect(await countRows(app, OAuthToken)).toBe(expiredTokens + 1);

      const report = await app.app.get(CleanupService).run(now);
      expect(report).toEqual({
        codes: expiredCodes,
        tokens: expiredTokens,
        interactions: 0,
        clientAssertions: 0,
        pushedRequests: 0,
        deviceAuthorizations: 0,
        attemptLimits: 0,
      });
      expect(await storedIds(app, OAuthAuthorizationCode)).toEqual([liveCode]);
      expect(await storedIds(app, OAuthToken)).toEqual([liveToken.id]);
    });

    it('is safe to run twice at once (several instances): together they delete each expired row once', async () => {
      const app = await start();
      const now = Date.now();
      const seeded = 1100;
      for (let i = 0; i < seeded; i += 100) {
        await Promise.all(
          Array.from({ length: Math.min(100, seeded - i) }, () =>
            seedCodeRow(app, 'twice-client', now - MINUTE),
          ),
        );
      }
      const live = await seedCodeRow(app, 'twice-client', now + MINUTE);
      const cleanup = app.app.get(CleanupService);
      const [first, second] = await Promise.all([cleanup.run(now), cleanup.run(now)]);
      expect(first.codes + second.codes).toBe(seeded);
      expect(await storedIds(app, OAuthAuthorizationCode)).toEqual([live]);
    });

    it('runs on its interval when enabled', async () => {
      const app = await start({ cleanup: { enabled: true, interval: 1 } });
      const expired = await seedCodeRow(app, 'timer-client', Date.now() - MINUTE);
      const live = await seedCodeRow(app, 'timer-client', Date.now() + 10 * MINUTE);
      const deadline = Date.now() + 8000;
      while (
        (await storedIds(app, OAuthAuthorizationCode)).includes(expired) &&
        Date.now() < deadline
      )
        await sleep(200);
      expect(await storedIds(app, OAuthAuthorizationCode)).toEqual([live]);
    });

    it('starts no timer when disabled, but run() still works when called', async () => {
      const app = await start({ cleanup: { enabled: false, interval: 1 } });
      const expired = await seedCodeRow(app, 'off-client', Date.now() - MINUTE);
      const live = await seedCodeRow(app, 'off-client', Date.now() + 10 * MINUTE);
      await sleep(2500); // two and a half intervals
      expect(await storedIds(app, OAuthAuthorizationCode)).toEqual([expired, live].sort());

      expect((await app.app.get(CleanupService).run()).codes).toBe(1);
      expect(await storedIds(app, OAuthAuthorizationCode)).toEqual([live]);
    });
  });

  describe('host revocation API', () => {
    interface Grant {
      client: TestClient;
      subject: string | null;
      access: string;
      refresh?: string;
    }

    /** Two code clients A and B (A also holds a client_credentials token), a service client S, two users. */
    async function world(app: TestApp) {
      const A = await registerCodeClient(app, {
        grantTypes: ['authorization_code', 'refresh_token', 'client_credentials'],
      });
      const B = await registerCodeClient(app);
      const S = await registerServiceClient(app);
      const userGrant = async (client: TestClient, subject: string): Promise<Grant> => {
        const issued = await seedCodeAndExchange(app, client, {
          subject,
          scopes: ['accounts:read'],
        });
        return { client, subject, access: issued.access_token, refresh: issued.refresh_token };
      };
      const grants = {
        aliceAtA: await userGrant(A, 'user-alice'),
        aliceAtA2: await userGrant(A, 'user-alice'),
        bobAtA: await userGrant(A, 'user-bob'),
        aliceAtB: await userGrant(B, 'user-alice'),
        bobAtB: await userGrant(B, 'user-bob'),
        ownOfA: { client: A, subject: null, access: await serviceToken(app, A) } as Grant,
        ownOfS: { client: S, subject: null, access: await serviceToken(app, S) } as Grant,
      };
      const consents = app.app.get(ConsentService);
      for (const [subject, client] of [
        ['user-alice', A],
        ['user-alice', B],
        ['user-bob', A],
        ['user-bob', B],
      ] as const) {
        await consents.grant(subject, client.clientId, ['accounts:read']);
      }
      const codes = {
        aliceAtA: await seedCode(app, A, { subject: 'user-alice', scopes: ['accounts:read'] }),
        bobAtA: await seedCode(app, A, { subject: 'user-bob', scopes: ['accounts:read'] }),
        aliceAtB: await seedCode(app, B, { subject: 'user-alice', scopes: ['accounts:read'] }),
      };
      return { A, B, S, grants, codes };
    }

    async function alive(app: TestApp, grant: Grant): Promise<boolean> {
      const introspected = await isActive(app, grant.client, grant.access);
      const status = await protectedStatus(app, grant.access);
      expect(status === 200).toBe(introspected);
      return introspected;
    }

    /** Which grants still work: access token (introspection + protected route) and refresh token. */
    async function survivors(app: TestApp, grants: Record<string, Grant>): Promise<string[]> {
      const names: string[] = [];
      for (const [name, grant] of Object.entries(grants)) {
        const accessAlive = await alive(app, grant);
        if (grant.refresh) {
          const refreshed = await refresh(app, grant.client, grant.refresh);
          expect(refreshed.status === 200).toBe(accessAlive);
          if (refreshed.status !== 200) expect(refreshed.body.error).toBe('invalid_grant');
        }
        if (accessAlive) names.push(name);
      }
      return names.sort();
    }

    async function consentsHeld(
      app: TestApp,
      clients: Record<string, TestClient>,
    ): Promise<string[]> {
      const held: string[] = [];
      for (const subject of ['user-alice', 'user-bob']) {
        for (const [name, client] of Object.entries(clients)) {
          if (await app.app.get(ConsentService).covers(subject, client.clientId, ['accounts:read']))
            held.push(`${subject}@${name}`);
        }
      }
      return held.sort();
    }

    async function exchangeStatus(
      app: TestApp,
      client: TestClient,
      seeded: SeededCode,
    ): Promise<number> {
      const call = await postForm(
        app,
        {
          grant_type: 'authorization_code',
          code: seeded.code,
          code_verifier: seeded.verifier,
          redirect_uri: REDIRECT_URI,
        },
        {
          authorization: `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`,
        },
      );
      return call.status;
    }

    it('revokeUserAtClient revokes exactly what the user granted that client, and forgets that consent', async () => {
      const app = await start();
      const { A, B, grants, codes } = await world(app);
      expect(await consentsHeld(app, { A, B })).toEqual([
        'user-alice@A',
        'user-alice@B',
        'user-bob@A',
        'user-bob@B',
      ]);

      expect(
        await app.app.get(TokenRevocationService).revokeUserAtClient('user-alice', A.clientId),
      ).toBe(2);

      expect(await survivors(app, grants)).toEqual([
        'aliceAtB',
        'bobAtA',
        'bobAtB',
        'ownOfA',
        'ownOfS',
      ]);
      expect(await consentsHeld(app, { A, B })).toEqual([
        'user-alice@B',
        'user-bob@A',
        'user-bob@B',
      ]);
      // The code alice had not yet exchanged at A is gone; the others still work.
      expect(await exchangeStatus(app, A, codes.aliceAtA)).toBe(400);
      expect(await exchangeStatus(app, A, codes.bobAtA)).toBe(200);
      expect(await exchangeStatus(app, B, codes.aliceAtB)).toBe(200);
    });

    it('revokeAllForUser revokes every token of the user at every client, and forgets all their consent', async () => {
      const app = await start();
      const { A, B, grants, codes } = await world(app);

      expect(await app.app.get(TokenRevocationService).revokeAllForUser('user-alice')).toBe(3);

      expect(await survivors(app, grants)).toEqual(['bobAtA', 'bobAtB', 'ownOfA', 'ownOfS']);
      expect(await consentsHeld(app, { A, B })).toEqual(['user-bob@A', 'user-bob@B']);
      expect(await exchangeStatus(app, A, codes.aliceAtA)).toBe(400);
      expect(await exchangeStatus(app, B, codes.aliceAtB)).toBe(400);
      expect(await exchangeStatus(app, A, codes.bobAtA)).toBe(200);
    });

    it("revokeAllForClient revokes every token the client holds, for users and for itself, and nobody else's", async () => {
      const app = await start();
      const { A, B, grants, codes } = await world(app);

      expect(await app.app.get(TokenRevocationService).revokeAllForClient(A.clientId)).toBe(4);

      expect(await survivors(app, grants)).toEqual(['aliceAtB', 'bobAtB', 'ownOfS']);
      expect(await exchangeStatus(app, A, codes.aliceAtA)).toBe(400);
      expect(await exchangeStatus(app, A, codes.bobAtA)).toBe(400);
      expect(await exchangeStatus(app, B, codes.aliceAtB)).toBe(200);
      // The client can still get new tokens (it was not deleted).
      expect(await protectedStatus(app, await serviceToken(app, A))).toBe(200);
    });

    it('revokes the whole family, rotated rows included, and answers 0 when there is nothing to revoke', async () => {
      const app = await start();
      const web = await registerCodeClient(app);
      const issued = await seedCodeAndExchange(app, web, { subject: 'user-bob' });
      const rotated = await refresh(app, web, issued.refresh_token);
      expect(rotated.status).toBe(200);
      const revocation = app.app.get(TokenRevocationService);
      expect(await revocation.revokeAllForUser('user-nobody')).toBe(0);
      expect(await revocation.revokeUserAtClient('user-alice', web.clientId)).toBe(0);
      expect(await revocation.revokeUserAtClient('user-bob', web.clientId)).toBe(2);
      expect(await revocation.revokeUserAtClient('user-bob', web.clientId)).toBe(0);
      expect(await protectedStatus(app, issued.access_token)).toBe(401);
      expect(await protectedStatus(app, rotated.body.access_token)).toBe(401);
      expect((await refresh(app, web, rotated.body.refresh_token)).status).toBe(400);
    });

    it("ClientService.delete revokes the client's tokens and forgets its consents, leaving other clients alone", async () => {
      const app = await start();
      const { A, B, grants } = await world(app);

      await app.app.get(ClientService).delete(A.clientId);

      for (const grant of [grants.aliceAtA, grants.aliceAtA2, grants.bobAtA, grants.ownOfA]) {
        expect(await protectedStatus(app, grant.access)).toBe(401);
      }
      const rows = await dataSourceOf(app)
        .getRepository(OAuthToken)
        .findBy({ clientId: A.clientId });
      expect(rows).toHaveLength(4);
      expect(rows.every((row) => row.revokedAt !== null)).toBe(true);
      // The deleted client cannot even try to refresh.
      expect((await refresh(app, A, grants.aliceAtA.refresh!)).body.error).toBe('invalid_client');

      expect(
        await survivors(app, {
          aliceAtB: grants.aliceAtB,
          bobAtB: grants.bobAtB,
          ownOfS: grants.ownOfS,
        }),
      ).toEqual(['aliceAtB', 'bobAtB', 'ownOfS']);
      expect(await consentsHeld(app, { A, B })).toEqual(['user-alice@B', 'user-bob@B']);
    });
  });
});
