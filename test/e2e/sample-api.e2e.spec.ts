// The sample app's resource APIs (sample-app/api/), started the way `npm run sample` starts
// them, on every SAMPLE_TARGET (Express on each database, Fastify on SQLite): the API part of the
// contract in DESIGN.md §5.
import { randomUUID } from 'node:crypto';
import { decodeJwt } from 'jose';
import { DataSource } from 'typeorm';
import { User } from '../../sample-app/users/user.entity';
import {
  freshSampleDatabase as freshDatabase,
  SAMPLE_TARGETS,
  startSample,
} from '../support/sample-app';
import type { TestApp } from '../support/test-app';
import { OAuthTesting } from '../../src/testing';
import {
  basicHeaders,
  clientCredentials,
  postForm,
  REDIRECT_URI,
  seedCode,
  registerCodeClient,
  registerServiceClient,
  revokeFamilyOf,
  seedCodeAndExchange,
  TestClient,
} from '../support/token-helpers';

function api(
  sample: TestApp,
  path: string,
  token?: string,
  init: RequestInit = {},
): Promise<Response> {
  const headers = new Headers(init.headers);
  if (token !== undefined) headers.set('authorization', `Bearer ${token}`);
  return fetch(`${sample.url}${path}`, { ...init, headers });
}

function pay(sample: TestApp, token: string | undefined, body: unknown): Promise<Response> {
  return api(sample, '/api/payments', token, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

const PAYMENT = { amount: '10.00', currency: 'EUR', creditor: 'Mad Hatter Tea Party Ltd' };

describe.each(SAMPLE_TARGETS)(
  'sample app APIs ($adapter, $database)',
  ({ adapter, database: kind }) => {
    let database: { url: string; drop(): Promise<void> };
    let sample: TestApp;
    let service: TestClient;
    let webApp: TestClient;
    let clientToken: string;
    let alice: User;
    let bob: User;

    /**
     * A token for a seeded user, as the code flow would give it to the web app: after the
     * one-time code ("substantial") when it asks for payments, after the password otherwise.
     */
    const userToken = async (user: User, scopes: string[]): Promise<string> => {
      const acr = scopes.includes('payments:write') ? 'substantial' : 'low';
      const amr = acr === 'substantial' ? ['pwd', 'otp'] : ['pwd'];
      return (await seedCodeAndExchange(sample, webApp, { subject: user.id, scopes, acr, amr }))
        .access_token;
    };

    beforeAll(async () => {
      database = await freshDatabase(kind);
      sample = await startSample({ DATABASE_URL: database.url }, { adapter });
      service = await registerServiceClient(sample, {
        scopes: ['accounts:read', 'payments:write'],
      });
      webApp = await registerCodeClient(sample, {
        scopes: ['openid', 'accounts:read', 'payments:write'],
      });
      const token = await clientCredentials(sample, service, { scope: 'accounts:read' });
      expect(token.status).toBe(200);
      clientToken = token.body.access_token;
      const users = sample.app.get(DataSource).getRepository(User);
      alice = (await users.findOneBy({ username: 'alice' }))!;
      bob = (await users.findOneBy({ username: 'bob' }))!;
    });
    afterAll(async () => {
      await sample?.close();
      await database?.drop();
    });

    describe('GET /api/accounts (accounts:read)', () => {
      it("answers a client's own token with the demo accounts", async () => {
        const response = await api(sample, '/api/accounts', clientToken);
        expect(response.status).toBe(200);
        expect(response.headers.get('content-type')).toMatch(/^application\/json/);
        const accounts = await response.json();
        expect(Array.isArray(accounts)).toBe(true);
        expect(accounts.length).toBeGreaterThan(0);
        for (const account of accounts) {
          expect(account).toEqual({
            id: expect.stringMatching(/^acc-demo-/),
            iban: expect.any(String),
            name: expect.any(String),
            currency: expect.stringMatching(/^[A-Z]{3}$/),
            balance: expect.stringMatching(/^\d+\.\d{2}$/),
          });
        }
      });

      it("answers a user's token with that user's accounts only", async () => {
        const forAlice = await (
          await api(sample, '/api/accounts', await userToken(alice, ['accounts:read']))
        ).json();
        expect(forAlice.map((a: { id: string }) => a.id)).toEqual([
          'acc-alice-current',
          'acc-alice-savings',
        ]);
        const forBob = await (
          await api(sample, '/api/accounts', await userToken(bob, ['accounts:read']))
        ).json();
        expect(forBob.map((a: { id: string }) => a.id)).toEqual(['acc-bob-current']);
      });

      it('answers a request without a token with 401 and a Bearer challenge without error', async () => {
        const response = await api(sample, '/api/accounts');
        expect(response.status).toBe(401);
        expect(response.headers.get('www-authenticate')).toBe(`Bearer realm="${sample.url}"`);
      });

      it('answers a bad token with 401 invalid_token', async () => {
        const response = await api(sample, '/api/accounts', 'not-a-token');
        expect(response.status).toBe(401);
        expect(response.headers.get('www-authenticate')).toMatch(
          /^Bearer realm="[^"]+", error="invalid_token"/,
        );
        expect(await response.json()).toMatchObject({ error: 'invalid_token' });
      });

      it('answers a token without accounts:read with 403 insufficient_scope', async () => {
        const response = await api(sample, '/api/accounts', await userToken(alice, ['openid']));
        expect(response.status).toBe(403);
        expect(response.headers.get('www-authenticate')).toMatch(
          /error="insufficient_scope".*, scope="accounts:read"$/,
        );
      });

      it('refuses a query-string token with 400 invalid_request', async () => {
        const response = await fetch(
          `${sample.url}/api/accounts?access_token=${encodeURIComponent(clientToken)}`,
        );
        expect(response.status).toBe(400);
        expect(response.headers.get('www-authenticate')).toMatch(/error="invalid_request"/);
        expect(await response.json()).toMatchObject({ error: 'invalid_request' });
      });

      it('stops a revoked token at once (strict revocation check)', async () => {
        const token = (await clientCredentials(sample, service, { scope: 'accounts:read' })).body
          .access_token;
        expect((await api(sample, '/api/accounts', token)).status).toBe(200);
        await revokeFamilyOf(sample.app, decodeJwt(token).jti!);
        const response = await api(sample, '/api/accounts', token);
        expect(response.status).toBe(401);
        expect(response.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
      });
    });

    describe('POST /api/payments (payments:write)', () => {
      it('never lets a client get payments:write for itself (userOnly scope)', async () => {
        const response = await clientCredentials(sample, service, { scope: 'payments:write' });
        expect(response.status).toBe(400);
        expect(response.body.error).toBe('invalid_scope');
      });

      it('refuses a token with accounts:read only: 403 insufficient_scope', async () => {
        for (const token of [clientToken, await userToken(alice, ['accounts:read'])]) {
          const response = await pay(sample, token, PAYMENT);
          expect(response.status).toBe(403);
          expect(response.headers.get('www-authenticate')).toMatch(
            /error="insufficient_scope".*, scope="payments:write"$/,
          );
          expect(await response.json()).toMatchObject({ error: 'insufficient_scope' });
        }
      });

      it('never issues payments:write from a password-only sign-in: invalid_grant at the token endpoint', async () => {
        const { code, verifier } = await seedCode(sample, webApp, {
          subject: alice.id,
          scopes: ['accounts:read', 'payments:write'],
          acr: 'low',
          amr: ['pwd'],
        });
        const call = await postForm(
          sample,
          {
            grant_type: 'authorization_code',
            code,
            code_verifier: verifier,
            redirect_uri: REDIRECT_URI,
          },
          basicHeaders(webApp),
        );
        expect(call.status).toBe(400);
        expect(call.body).toMatchObject({ error: 'invalid_grant' });
      });

      it('refuses a payments:write token from a password-only sign-in: 401 insufficient_user_authentication (RFC 9470)', async () => {
        const { accessToken } = await OAuthTesting.issueToken(sample.app, {
          user: alice.id,
          client: webApp.clientId,
          scopes: ['payments:write'],
          acr: 'low',
        });
        const response = await pay(sample, accessToken, PAYMENT);
        expect(response.status).toBe(401);
        expect(response.headers.get('www-authenticate')).toBe(
          `Bearer realm="${sample.url}", error="insufficient_user_authentication", ` +
            'error_description="This route needs a sign-in at level substantial or higher.", ' +
            'acr_values="substantial"',
        );
        expect(await response.json()).toMatchObject({ error: 'insufficient_user_authentication' });
        // Accounts need no level: the same sign-in reads them.
        const accounts = await api(
          sample,
          '/api/accounts',
          (
            await OAuthTesting.issueToken(sample.app, {
              user: alice.id,
              client: webApp.clientId,
              scopes: ['accounts:read'],
              acr: 'low',
            })
          ).accessToken,
        );
        expect(accounts.status).toBe(200);
      });

      it("creates a payment from the user's token: 201 with the user as debtor", async () => {
        const token = await userToken(alice, ['accounts:read', 'payments:write']);
        const response = await pay(sample, token, PAYMENT);
        expect(response.status).toBe(201);
        expect(response.headers.get('content-type')).toMatch(/^application\/json/);
        expect(await response.json()).toEqual({
          id: expect.stringMatching(/^[0-9a-f-]{36}$/),
          status: 'approved',
          amount: '10.00',
          currency: 'EUR',
          creditor: PAYMENT.creditor,
          debtor: alice.id,
          initiated_by: webApp.clientId,
        });
      });

      it.each([
        ['a number amount', { ...PAYMENT, amount: 10 }],
        ['a zero amount', { ...PAYMENT, amount: '0.00' }],
        ['a negative amount', { ...PAYMENT, amount: '-5.00' }],
        ['three decimals', { ...PAYMENT, amount: '10.001' }],
        ['an exponent', { ...PAYMENT, amount: '1e3' }],
        ['no amount', { currency: 'EUR', creditor: 'x' }],
        ['a lowercase currency', { ...PAYMENT, currency: 'eur' }],
        ['a four-letter currency', { ...PAYMENT, currency: 'EURO' }],
        ['an empty creditor', { ...PAYMENT, creditor: '  ' }],
        ['no creditor', { amount: '1.00', currency: 'EUR' }],
        ['an array body', [PAYMENT]],
      ])('answers %s with 400 JSON', async (_, body) => {
        const token = await userToken(alice, ['payments:write']);
        const response = await pay(sample, token, body);
        expect(response.status).toBe(400);
        expect(response.headers.get('content-type')).toMatch(/^application\/json/);
        expect(await response.json()).toMatchObject({
          error: 'invalid_request',
          error_description: expect.any(String),
        });
      });

      it.each([
        ['malformed JSON', '{"amount": "10.00",'],
        ['a JSON string (not an object or array)', '"pay me"'],
      ])("answers %s with Nest's 400 JSON (the body parser refuses it)", async (_, body) => {
        const response = await pay(sample, await userToken(alice, ['payments:write']), body);
        expect(response.status).toBe(400);
        expect(response.headers.get('content-type')).toMatch(/^application\/json/);
        expect(await response.json()).toMatchObject({ statusCode: 400 });
      });

      it('refuses an access token in a form body (header only by default): 400 invalid_request, no payment', async () => {
        const token = await userToken(alice, ['accounts:read', 'payments:write']);
        const response = await fetch(`${sample.url}/api/payments`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ ...PAYMENT, access_token: token }).toString(),
        });
        expect(response.status).toBe(400);
        expect(response.headers.get('www-authenticate')).toMatch(
          new RegExp(`^Bearer realm="${sample.url}", error="invalid_request"`),
        );
        expect(await response.json()).toMatchObject({ error: 'invalid_request' });
      });

      it('checks the token before the body', async () => {
        const response = await pay(sample, undefined, { amount: 'nonsense' });
        expect(response.status).toBe(401);
        expect(response.headers.get('www-authenticate')).toBe(`Bearer realm="${sample.url}"`);
      });
    });

    describe('GET /api/me (a token issued to a user)', () => {
      it("refuses a client's own token with 401 insufficient_user_authentication", async () => {
        const response = await api(sample, '/api/me', clientToken);
        expect(response.status).toBe(401);
        expect(response.headers.get('www-authenticate')).toMatch(
          /error="insufficient_user_authentication"/,
        );
        expect(await response.json()).toMatchObject({ error: 'insufficient_user_authentication' });
      });

      it("answers a user's token with the user's id as sub", async () => {
        const response = await api(
          sample,
          '/api/me',
          await userToken(alice, ['openid', 'accounts:read']),
        );
        expect(response.status).toBe(200);
        expect(await response.json()).toEqual({
          sub: alice.id,
          client_id: webApp.clientId,
          scope: 'openid accounts:read',
        });
      });

      it('answers a request without a token with 401', async () => {
        const response = await api(sample, '/api/me');
        expect(response.status).toBe(401);
        expect(response.headers.get('www-authenticate')).toBe(`Bearer realm="${sample.url}"`);
      });
    });

    describe('authorization details (RFC 9396): one approved payment, picked accounts', () => {
      const DETAIL = {
        type: 'payment_initiation',
        instructedAmount: { currency: 'EUR', amount: '123.50' },
        creditorName: 'Merchant A',
        creditorAccount: { iban: 'DE02100100109307118603' },
      };
      const APPROVED = { amount: '123.50', currency: 'EUR', creditor: 'Merchant A' };

      /**
       * A token for alice carrying these details (as the code flow gives it), no scope; from a
       * "substantial" sign-in, which payment_initiation needs.
       */
      const detailsToken = async (details: object[], acr = 'substantial'): Promise<string> =>
        (
          await seedCodeAndExchange(sample, webApp, {
            subject: alice.id,
            scopes: [],
            authorizationDetails: details as never,
            acr,
            amr: acr === 'substantial' ? ['pwd', 'otp'] : ['pwd'],
          })
        ).access_token;

      const expectRefused = async (response: Response) => {
        expect(response.status).toBe(403);
        expect(response.headers.get('www-authenticate')).toMatch(
          new RegExp(`^Bearer realm="${sample.url}", error="insufficient_scope"`),
        );
        expect(await response.json()).toEqual({
          error: 'insufficient_scope',
          error_description: expect.any(String),
        });
      };

      it('advertises payment_initiation and account_information', async () => {
        const metadata = await (
          await fetch(`${sample.url}/.well-known/oauth-authorization-server`)
        ).json();
        expect(metadata.authorization_details_types_supported).toEqual([
          'payment_initiation',
          'account_information',
        ]);
      });

      it('never issues a payment detail from a password-only sign-in', async () => {
        await expect(detailsToken([DETAIL], 'low')).rejects.toThrow(
          /code exchange failed: 400 .*"error":"invalid_grant".*level substantial/,
        );
      });

      it('makes exactly the approved payment once; its status is readable', async () => {
        const token = await detailsToken([DETAIL]);
        const created = await pay(sample, token, APPROVED);
        expect(created.status).toBe(201);
        const payment = await created.json();
        expect(payment).toEqual({
          id: expect.stringMatching(/^[0-9a-f-]{36}$/),
          status: 'approved',
          amount: '123.50',
          currency: 'EUR',
          creditor: 'Merchant A',
          creditor_iban: 'DE02100100109307118603',
          debtor: alice.id,
          initiated_by: webApp.clientId,
        });
        // A second payment with the same token: refused, even for the same payment.
        await expectRefused(await pay(sample, token, APPROVED));
        const status = await api(sample, `/api/payments/${payment.id}`, token);
        expect(status.status).toBe(200);
        expect(await status.json()).toMatchObject({ id: payment.id, status: 'approved' });
        expect((await api(sample, `/api/payments/${randomUUID()}`, token)).status).toBe(404);
      });

      it.each([
        ['another amount', { ...APPROVED, amount: '123.51' }],
        ['another currency', { ...APPROVED, currency: 'USD' }],
        ['another creditor', { ...APPROVED, creditor: 'Merchant B' }],
      ])('refuses %s with 403 insufficient_scope, and pays nothing', async (_, body) => {
        const token = await detailsToken([DETAIL]);
        await expectRefused(await pay(sample, token, body));
        // The approved payment is still possible once (the creditor may be named by IBAN).
        const by = { ...APPROVED, amount: '123.5', creditor: DETAIL.creditorAccount.iban };
        expect((await pay(sample, token, by)).status).toBe(201);
      });

      it('makes one payment out of concurrent requests with the same token', async () => {
        const token = await detailsToken([DETAIL]);
        const statuses = (
          await Promise.all(Array.from({ length: 6 }, () => pay(sample, token, APPROVED)))
        ).map((response) => response.status);
        expect(statuses.filter((status) => status === 201)).toHaveLength(1);
        expect(statuses.filter((status) => status === 403)).toHaveLength(5);
      });

      it('a payment detail grants no account access', async () => {
        await expectRefused(await api(sample, '/api/accounts', await detailsToken([DETAIL])));
      });

      it('GET /api/accounts returns only the accounts of the account_information detail', async () => {
        const token = await detailsToken([
          { type: 'account_information', accounts: ['acc-alice-savings'] },
        ]);
        const response = await api(sample, '/api/accounts', token);
        expect(response.status).toBe(200);
        expect((await response.json()).map((account: { id: string }) => account.id)).toEqual([
          'acc-alice-savings',
        ]);
      });
    });
  },
);
