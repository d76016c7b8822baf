// The opt-in password grant (RFC 6749 §4.3, legacy per RFC 9700 §2.4): off by default, only for
// first-party clients (never registrable through DCR), the host's verifyPassword deciding, and
// failed attempts limited per username and per client with the wait in the error. Implicit
// stays refused.
import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { calculateJwkThumbprint, decodeJwt, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { OAUTH_PATHS } from '../../src';
import type { ResourceOwnerProvider } from '../../src';
import { TEST_TARGETS } from '../support/targets';
import { startTestApp, TEST_USERS, testResourceOwner, TestApp } from '../support/test-app';
import {
  basicHeaders,
  expectTokenError,
  postForm,
  registerClient,
  TestClient,
} from '../support/token-helpers';

/** Passwords checked, per username: what the brute-force limit lets through. */
const checked = new Map<string, number>();

/** alice / alice-password, bob / bob-password; `broken-...` makes the check itself fail. */
const passwordOwner: ResourceOwnerProvider = {
  ...testResourceOwner,
  verifyPassword: (username, password) => {
    checked.set(username, (checked.get(username) ?? 0) + 1);
    if (username.startsWith('broken')) throw new Error('the user directory is down');
    const user = Object.values(TEST_USERS).find((u) => u.username === username);
    return user && password === `${username}-password` ? user : null;
  },
};

const REGISTRATION_TOKEN = 'registration-token-0123456789';

describe.each(TEST_TARGETS)('password grant (%s)', (target) => {
  describe('by default', () => {
    let server: TestApp;
    beforeAll(async () => {
      server = await startTestApp(target, { resourceOwner: passwordOwner });
    });
    afterAll(() => server.close());

    it('is refused, as implicit is, and the device grant is off too', async () => {
      const password = await postForm(server, {
        grant_type: 'password',
        client_id: 'any',
        username: 'alice',
        password: 'alice-password',
      });
      expectTokenError(password, 'unsupported_grant_type');
      // Implicit (response_type=token) is refused at the client's redirect URI.
      const web = await registerClient(server, {
        grantTypes: ['authorization_code'],
        redirectUris: ['https://app.example/cb'],
      });
      const implicit = await fetch(
        `${server.url}${OAUTH_PATHS.authorize}?response_type=token&client_id=${web.clientId}&redirect_uri=https://app.example/cb`,
        { redirect: 'manual' },
      );
      expect(implicit.status).toBe(303);
      expect(new URL(implicit.headers.get('location')!).searchParams.get('error')).toBe(
        'unsupported_response_type',
      );
      const metadata = await (
        await fetch(`${server.url}/.well-known/oauth-authorization-server`)
      ).json();
      expect(metadata.grant_types_supported).not.toContain('password');
      expect(metadata.response_types_supported).toEqual(['code']);
      expect(metadata.device_authorization_endpoint).toBeUndefined();
      const device = await postForm(
        server,
        { client_id: 'any' },
        {},
        OAUTH_PATHS.deviceAuthorization,
      );
      expect(device.status).toBe(404);
      expect((await fetch(`${server.url}${OAUTH_PATHS.deviceVerification}`)).status).toBe(404);
    });
  });

  describe('when enabled', () => {
    let server: TestApp;
    let firstParty: TestClient;
    let warnings: string[];

    beforeAll(async () => {
      const warn = jest.spyOn(Logger.prototype, 'warn');
      server = await startTestApp(target, {
        grantTypes: ['authorization_code', 'refresh_token', 'password'],
        resourceOwner: passwordOwner,
        passwordGrant: { maxFailuresPerUser: 3, maxFailuresPerClient: 6 },
        registration: { enabled: true, initialAccessToken: REGISTRATION_TOKEN },
      });
      warnings = warn.mock.calls.map(([message]) => String(message));
      warn.mockRestore();
      firstParty = await registerFirstParty();
    });
    afterAll(() => server.close());

    function registerFirstParty(): Promise<TestClient> {
      return registerClient(server, {
        name: 'Our own mobile app',
        grantTypes: ['password', 'refresh_token'],
        scopes: ['openid', 'accounts:read', 'offline_access'],
        firstParty: true,
      });
    }

    function signIn(client: TestClient, username: string, password: string, scope?: string) {
      return postForm(
        server,
        { grant_type: 'password', username, password, scope },
        basicHeaders(client),
      );
    }

    it('warns at start-up that the grant is legacy', () => {
      expect(warnings.some((w) => /password grant is enabled.*RFC 9700 §2\.4/.test(w))).toBe(true);
    });

    it('issues tokens to a first-party client for the right password', async () => {
      const call = await signIn(firstParty, 'alice', 'alice-password', 'accounts:read');
      expect(call.status).toBe(200);
      expect(call.body).toMatchObject({
        token_type: 'Bearer',
        scope: 'accounts:read',
        status: 'approved',
        refresh_token: expect.any(String),
        refresh_count: 0,
      });
      const refreshed = await postForm(
        server,
        { grant_type: 'refresh_token', refresh_token: call.body.refresh_token },
        basicHeaders(firstParty),
      );
      expect(refreshed.body).toMatchObject({ status: 'approved', refresh_count: 1 });
    });

    it('binds its tokens to the key of a DPoP proof (RFC 9449), like every other grant', async () => {
      const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
      const jwk = await exportJWK(publicKey);
      const proof = await new SignJWT({
        htm: 'POST',
        htu: `${server.url}${OAUTH_PATHS.token}`,
        jti: randomUUID(),
      })
        .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk })
        .setIssuedAt()
        .sign(privateKey);
      const call = await postForm(
        server,
        { grant_type: 'password', username: 'alice', password: 'alice-password' },
        { ...basicHeaders(firstParty), dpop: proof },
      );
      expect(call.status).toBe(200);
      expect(call.body.token_type).toBe('DPoP');
      expect(decodeJwt(call.body.access_token).cnf).toEqual({
        jkt: await calculateJwkThumbprint(jwk, 'sha256'),
      });
    });

    it('is only for first-party clients: refused at registration, by DCR and at the token endpoint', async () => {
      await expect(
        registerClient(server, { grantTypes: ['password'], scopes: ['accounts:read'] }),
      ).rejects.toThrow('the password grant is only for first-party clients');
      const dcr = await fetch(`${server.url}${OAUTH_PATHS.registration}`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${REGISTRATION_TOKEN}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({
          client_name: 'Third party',
          grant_types: ['password'],
          response_types: [],
          first_party: true,
        }),
      });
      expect(dcr.status).toBe(400);
      expect((await dcr.json()).error).toBe('invalid_client_metadata');
      // A first-party client registered for other grants only.
      const web = await registerClient(server, {
        grantTypes: ['authorization_code'],
        redirectUris: ['https://app.example/cb'],
        firstParty: true,
      });
      expectTokenError(await signIn(web, 'alice', 'alice-password'), 'unauthorized_client');
    });

    it('limits wrong passwords per username (whatever its case), with the wait in the error', async () => {
      for (const attempt of [1, 2]) {
        const call = await signIn(firstParty, attempt === 1 ? 'bob' : 'BOB', 'wrong');
        expectTokenError(call, 'invalid_grant');
      }
      const third = await signIn(firstParty, 'bob', 'wrong');
      expect(third.status).toBe(400);
      expect(third.body).toMatchObject({ error: 'invalid_grant', retry_after: 1 });
      expect(third.headers.get('retry-after')).toBe('1');
      // While waiting, even the right password is refused, unchecked.
      const right = await signIn(firstParty, 'bob', 'bob-password');
      expect(right.body).toMatchObject({
        error: 'invalid_grant',
        error_description: expect.stringMatching(
          /Too many failed attempts: try again in \d+ seconds/,
        ),
        retry_after: expect.any(Number),
      });
      // Other users are not affected.
      expect((await signIn(firstParty, 'alice', 'alice-password')).status).toBe(200);
      await sleep(1100);
      expect((await signIn(firstParty, 'bob', 'bob-password')).status).toBe(200);
      // A success forgets the failures.
      expectTokenError(await signIn(firstParty, 'bob', 'wrong'), 'invalid_grant');
    });

    it('limits wrong passwords per client from one network, whatever the username', async () => {
      const app = await registerFirstParty();
      for (let i = 1; i <= 3; i++) {
        expectTokenError(await signIn(app, `guess-${i}`, 'wrong'), 'invalid_grant');
      }
      // A right password in between does not wipe the count (an attacker has an account too).
      expect((await signIn(app, 'bob', 'bob-password')).status).toBe(200);
      for (let i = 4; i <= 5; i++) {
        expectTokenError(await signIn(app, `guess-${i}`, 'wrong'), 'invalid_grant');
      }
      const sixth = await signIn(app, 'guess-6', 'wrong');
      expect(sixth.body).toMatchObject({ error: 'invalid_grant', retry_after: 1 });
      const alice = await signIn(app, 'alice', 'alice-password');
      expect(alice.body).toMatchObject({ error: 'invalid_grant', retry_after: expect.any(Number) });
      // Another client is not affected.
      expect((await signIn(firstParty, 'alice', 'alice-password')).status).toBe(200);
    });

    it('checks no more passwords of a parallel burst than the limit allows', async () => {
      const app = await registerFirstParty();
      const username = `burst-${target.database}-${target.adapter}`;
      const calls = await Promise.all(
        Array.from({ length: 12 }, () => signIn(app, username, 'wrong')),
      );
      expect(checked.get(username)).toBe(3);
      // Two plain refusals; the third says to wait, and the other nine waited unchecked.
      expect(calls.map((call) => [call.status, call.body.error, call.body.retry_after])).toEqual(
        expect.arrayContaining([
          [400, 'invalid_grant', undefined],
          [400, 'invalid_grant', 1],
        ]),
      );
      expect(calls.filter((call) => call.body.retry_after === undefined)).toHaveLength(2);
      expect(calls.every((call) => call.body.error === 'invalid_grant')).toBe(true);
    });

    it('does not count an attempt the host could not check', async () => {
      const app = await registerFirstParty();
      const username = `broken-${target.database}-${target.adapter}`;
      for (let i = 0; i < 4; i++) {
        expect((await signIn(app, username, 'whatever')).status).toBe(500);
      }
      expect(checked.get(username)).toBe(4);
    });

    it('refuses authorization_details (RFC 9396) instead of dropping them', async () => {
      const call = await postForm(
        server,
        {
          grant_type: 'password',
          username: 'alice',
          password: 'alice-password',
          authorization_details: '[{"type":"payment_initiation"}]',
        },
        basicHeaders(firstParty),
      );
      expectTokenError(call, 'invalid_request');
      expect(call.body.error_description).toMatch(/authorization_details is not supported/);
    });

    it('needs username and password', async () => {
      expectTokenError(
        await postForm(
          server,
          { grant_type: 'password', username: 'alice' },
          basicHeaders(firstParty),
        ),
        'invalid_request',
      );
    });
  });
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
