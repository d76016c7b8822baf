// DPoP (RFC 9449) end to end, with oauth4webapi as the client where it helps: DPoP-bound tokens
// from client_credentials, the code flow (dpop_jkt) and refresh, used at a guarded route and at
// userinfo; and every refusal of the RFC, hand-made proofs where the client would not err.
import { Controller, Get, UseGuards } from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
import { calculateJwkThumbprint, decodeJwt, exportJWK, generateKeyPair, JWK, SignJWT } from 'jose';
import * as oauth from 'oauth4webapi';
import {
  AccessToken,
  OAUTH_DATA_SOURCE,
  OAUTH_PATHS,
  OAuthGuard,
  Scopes,
  VerifiedAccessToken,
} from '../../src';
import type { DataSource } from 'typeorm';
import { obtainCode } from '../support/authorize-helpers';
import { describeOn, TEST_TARGETS } from '../support/targets';
import { startTestApp, TestApp } from '../support/test-app';
import {
  basicHeaders,
  expectTokenError,
  postForm,
  REDIRECT_URI,
  registerCodeClient,
  registerServiceClient,
  TestClient,
} from '../support/token-helpers';

const INSECURE = { [oauth.allowInsecureRequests]: true } as const;
const NONCE_SECRET = 'a-test-nonce-secret-of-32-characters-at-least';

@Controller('api')
@UseGuards(OAuthGuard)
class AccountsController {
  @Get('accounts')
  @Scopes('accounts:read')
  accounts(@AccessToken() token: VerifiedAccessToken) {
    return { clientId: token.clientId, dpopJkt: token.dpopJkt ?? null };
  }

  @Get('payments')
  @Scopes('payments:write')
  payments() {
    return [];
  }
}

interface DpopKey {
  pair: CryptoKeyPair;
  jwk: JWK;
  jkt: string;
}

async function newKey(): Promise<DpopKey> {
  const pair = await generateKeyPair('ES256', { extractable: true });
  const jwk = await exportJWK(pair.publicKey);
  return { pair, jwk, jkt: await calculateJwkThumbprint(jwk, 'sha256') };
}

const nowSeconds = () => Math.floor(Date.now() / 1000);
const ath = (token: string) => createHash('sha256').update(token).digest('base64url');

/** A proof signed by `key`; `claims` and `header` override the well-formed defaults. */
function proof(
  key: DpopKey,
  claims: Record<string, unknown>,
  header: Record<string, unknown> = {},
): Promise<string> {
  return new SignJWT({ jti: randomUUID(), iat: nowSeconds(), ...claims })
    .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: key.jwk, ...header })
    .sign(key.pair.privateKey);
}

async function discover(server: TestApp): Promise<oauth.AuthorizationServer> {
  const issuer = new URL(server.url);
  return oauth.processDiscoveryResponse(
    issuer,
    await oauth.discoveryRequest(issuer, { ...INSECURE, algorithm: 'oauth2' }),
  );
}

/** GET on the server with these headers; status, challenge and JSON body. */
async function get(server: TestApp, path: string, headers: Record<string, string>) {
  const response = await fetch(`${server.url}${path}`, { headers });
  const text = await response.text();
  return {
    status: response.status,
    challenge: response.headers.get('www-authenticate'),
    nonce: response.headers.get('dpop-nonce'),
    body: text ? JSON.parse(text) : undefined,
  };
}

describe.each(TEST_TARGETS)('DPoP (%s)', (target) => {
  let server: TestApp;
  let as: oauth.AuthorizationServer;
  let service: TestClient;
  const client = (id: string, extra: Partial<oauth.Client> = {}): oauth.Client => ({
    client_id: id,
    ...extra,
  });
  const tokenUrl = () => `${server.url}${OAUTH_PATHS.token}`;

  beforeAll(async () => {
    server = await startTestApp(target, {}, { controllers: [AccountsController] });
    as = await discover(server);
    service = await registerServiceClient(server);
  });
  afterAll(() => server.close());

  /** client_credentials through oauth4webapi, with a DPoP proof of `key`. */
  async function dpopClientCredentials(key: DpopKey, who = service) {
    const c = client(who.clientId);
    const DPoP = oauth.DPoP(c, key.pair);
    const response = await oauth.clientCredentialsGrantRequest(
      as,
      c,
      oauth.ClientSecretBasic(who.clientSecret!),
      { scope: 'accounts:read' },
      { ...INSECURE, DPoP },
    );
    return { result: await oauth.processClientCredentialsResponse(as, c, response), DPoP };
  }

  it('advertises the proof algorithms', () => {
    expect(as.dpop_signing_alg_values_supported).toEqual([
      'ES256',
      'PS256',
      'EdDSA',
      'Ed25519',
      'RS256',
    ]);
  });

  describe('a DPoP-bound token from client_credentials', () => {
    let key: DpopKey;
    let token: string;
    let DPoP: oauth.DPoPHandle;
    beforeAll(async () => {
      key = await newKey();
      const issued = await dpopClientCredentials(key);
      expect(issued.result.token_type).toBe('dpop');
      token = issued.result.access_token;
      DPoP = issued.DPoP;
    });

    it('carries cnf.jkt, passes oauth4webapi RFC 9068 + RFC 9449 validation, and introspects as DPoP', async () => {
      expect(decodeJwt(token).cnf).toEqual({ jkt: key.jkt });
      const url = `${server.url}/api/accounts`;
      const headers = new Headers({ authorization: `DPoP ${token}` });
      headers.set('dpop', await proof(key, { htm: 'GET', htu: url, ath: ath(token) }));
      const claims = await oauth.validateJwtAccessToken(
        as,
        new Request(url, { headers }),
        server.url,
        { ...INSECURE, requireDPoP: true },
      );
      expect(claims.cnf).toEqual({ jkt: key.jkt });

      const introspection = await postForm(
        server,
        { token },
        basicHeaders(service),
        OAUTH_PATHS.introspection,
      );
      expect(introspection.body).toMatchObject({
        active: true,
        token_type: 'DPoP',
        cnf: { jkt: key.jkt },
      });
    });

    it('opens a guarded route with Authorization: DPoP and a proof (oauth4webapi)', async () => {
      const response = await oauth.protectedResourceRequest(
        token,
        'GET',
        new URL(`${server.url}/api/accounts`),
        new Headers(),
        null,
        { ...INSECURE, DPoP },
      );
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ clientId: service.clientId, dpopJkt: key.jkt });
    });

    it('is refused as a Bearer token (RFC 9449 §7.2)', async () => {
      const call = await get(server, '/api/accounts', { authorization: `Bearer ${token}` });
      expect(call.status).toBe(401);
      expect(call.body.error).toBe('invalid_token');
      expect(call.challenge).toMatch(/^DPoP error="invalid_token", .*algs="ES256 PS256/);
    });

    const url = () => `${server.url}/api/accounts`;
    it.each([
      ['no proof', async () => undefined],
      ['no ath', async () => proof(key, { htm: 'GET', htu: url() })],
      ['a wrong ath', async () => proof(key, { htm: 'GET', htu: url(), ath: ath('other') })],
      ['a wrong htm', async () => proof(key, { htm: 'POST', htu: url(), ath: ath(token) })],
      [
        'a wrong htu',
        async () => proof(key, { htm: 'GET', htu: `${server.url}/api/other`, ath: ath(token) }),
      ],
      [
        'another key',
        async () => proof(await newKey(), { htm: 'GET', htu: url(), ath: ath(token) }),
      ],
      [
        'a stale iat',
        async () =>
          proof(key, { htm: 'GET', htu: url(), ath: ath(token), iat: nowSeconds() - 600 }),
      ],
    ])(
      'is refused at the route with %s: 401 invalid_dpop_proof with a DPoP challenge',
      async (_, make) => {
        const dpop = await make();
        const call = await get(server, '/api/accounts', {
          authorization: `DPoP ${token}`,
          ...(dpop ? { dpop } : {}),
        });
        expect(call.status).toBe(401);
        expect(call.body.error).toBe('invalid_dpop_proof');
        expect(call.challenge).toMatch(/^DPoP error="invalid_dpop_proof", .*algs="/);
      },
    );

    it('accepts a query string in htu-less form and refuses a proof used twice at the route', async () => {
      const dpop = await proof(key, { htm: 'GET', htu: url(), ath: ath(token) });
      const headers = { authorization: `DPoP ${token}`, dpop };
      expect((await get(server, '/api/accounts?page=2', headers)).status).toBe(200);
      const replay = await get(server, '/api/accounts', headers);
      expect(replay.status).toBe(401);
      expect(replay.body.error_description).toMatch(/already used/);
    });

    it('answers insufficient_scope in the DPoP scheme', async () => {
      const htu = `${server.url}/api/payments`;
      const call = await get(server, '/api/payments', {
        authorization: `DPoP ${token}`,
        dpop: await proof(key, { htm: 'GET', htu, ath: ath(token) }),
      });
      expect(call.status).toBe(403);
      expect(call.challenge).toMatch(/^DPoP error="insufficient_scope", .*scope="payments:write"/);
    });
  });

  it('refuses a Bearer token sent with the DPoP scheme', async () => {
    const bearer = await oauth.processClientCredentialsResponse(
      as,
      client(service.clientId),
      await oauth.clientCredentialsGrantRequest(
        as,
        client(service.clientId),
        oauth.ClientSecretBasic(service.clientSecret!),
        {},
        INSECURE,
      ),
    );
    expect(bearer.token_type).toBe('bearer');
    const key = await newKey();
    const htu = `${server.url}/api/accounts`;
    const call = await get(server, '/api/accounts', {
      authorization: `DPoP ${bearer.access_token}`,
      dpop: await proof(key, { htm: 'GET', htu, ath: ath(bearer.access_token) }),
    });
    expect(call.status).toBe(401);
    expect(call.body.error).toBe('invalid_token');
    // And it still works as Bearer: no DPoP work on that path.
    const ok = await get(server, '/api/accounts', {
      authorization: `Bearer ${bearer.access_token}`,
    });
    expect(ok).toMatchObject({ status: 200, body: { dpopJkt: null } });
  });

  describe('token endpoint refusals (400 invalid_dpop_proof)', () => {
    const ccWithProof = async (dpop: string) =>
      postForm(server, { grant_type: 'client_credentials' }, { ...basicHeaders(service), dpop });

    it.each([
      ['a bad signature', async (k: DpopKey) => (await proof(k, base())).slice(0, -4) + 'AAAA'],
      ['typ JWT', (k: DpopKey) => proof(k, base(), { typ: 'JWT' })],
      ['no jwk', (k: DpopKey) => proof(k, base(), { jwk: undefined })],
      ['a wrong htm', (k: DpopKey) => proof(k, { ...base(), htm: 'GET' })],
      ['a wrong htu', (k: DpopKey) => proof(k, { ...base(), htu: `${server.url}/oauth/other` })],
      [
        'an htu of another host',
        (k: DpopKey) => proof(k, { ...base(), htu: `http://evil.example${OAUTH_PATHS.token}` }),
      ],
      ['a stale iat', (k: DpopKey) => proof(k, { ...base(), iat: nowSeconds() - 120 })],
      ['an iat in the future', (k: DpopKey) => proof(k, { ...base(), iat: nowSeconds() + 60 })],
      ['no jti', (k: DpopKey) => proof(k, { ...base(), jti: undefined })],
      ['two proofs', async (k: DpopKey) => `${await proof(k, base())}, ${await proof(k, base())}`],
    ])('with %s', async (_, make) => {
      expectTokenError(await ccWithProof(await make(await newKey())), 'invalid_dpop_proof');
    });

    function base() {
      return { htm: 'POST', htu: tokenUrl() };
    }

    it('with a private key in jwk', async () => {
      const key = await newKey();
      const privateJwk = await exportJWK(key.pair.privateKey);
      const dpop = await proof(key, base(), { jwk: privateJwk });
      expectTokenError(await ccWithProof(dpop), 'invalid_dpop_proof');
    });

    it('with an HMAC alg', async () => {
      const secret = new TextEncoder().encode('x'.repeat(32));
      const dpop = await new SignJWT({ ...base(), jti: randomUUID(), iat: nowSeconds() })
        .setProtectedHeader({
          alg: 'HS256',
          typ: 'dpop+jwt',
          jwk: { kty: 'oct', k: 'eA' } as never,
        })
        .sign(secret);
      expectTokenError(await ccWithProof(dpop), 'invalid_dpop_proof');
    });

    it('with a replayed jti, and the htu compared without query', async () => {
      const key = await newKey();
      const dpop = await proof(key, { htm: 'POST', htu: `${tokenUrl()}?ignored=1#and-this` });
      const first = await ccWithProof(dpop);
      expect(first.status).toBe(200);
      expect(first.body.token_type).toBe('DPoP');
      const replay = await ccWithProof(dpop);
      expectTokenError(replay, 'invalid_dpop_proof');
      expect(replay.body.error_description).toMatch(/already used/);
    });

    it('refuses a dpop_bound_access_tokens client without a proof (invalid_request)', async () => {
      const bound = await registerServiceClient(server, { dpopBoundAccessTokens: true });
      expectTokenError(
        await postForm(server, { grant_type: 'client_credentials' }, basicHeaders(bound)),
        'invalid_request',
      );
      const { result } = await dpopClientCredentials(await newKey(), bound);
      expect(result.token_type).toBe('dpop');
    });
  });

  describe('code flow with dpop_jkt, public client refresh bound to the key, userinfo', () => {
    let spa: TestClient;
    let spaClient: oauth.Client;
    beforeAll(async () => {
      spa = await registerCodeClient(server, {
        tokenEndpointAuthMethod: 'none',
        scopes: ['openid', 'offline_access', 'accounts:read'],
        grantTypes: ['authorization_code', 'refresh_token'],
      });
      spaClient = client(spa.clientId, { token_endpoint_auth_method: 'none' });
    });

    async function codeFor(key: DpopKey | undefined) {
      const { code, verifier } = await obtainCode(server, {
        client: spa,
        scope: 'openid offline_access accounts:read',
        extra: key ? { dpop_jkt: key.jkt } : {},
      });
      const callback = new URL(
        `${REDIRECT_URI}?code=${encodeURIComponent(code)}&state=state-123&iss=${encodeURIComponent(server.url)}`,
      );
      return {
        params: oauth.validateAuthResponse(as, spaClient, callback, 'state-123'),
        verifier: verifier!,
      };
    }

    const exchange = async (code: Awaited<ReturnType<typeof codeFor>>, DPoP?: oauth.DPoPHandle) =>
      oauth.authorizationCodeGrantRequest(
        as,
        spaClient,
        oauth.None(),
        code.params,
        REDIRECT_URI,
        code.verifier,
        { ...INSECURE, DPoP },
      );

    it('binds the code to dpop_jkt: tokens for that key, then refresh and userinfo with it', async () => {
      const key = await newKey();
      const DPoP = oauth.DPoP(spaClient, key.pair);
      const first = await oauth.processAuthorizationCodeResponse(
        as,
        spaClient,
        await exchange(await codeFor(key), DPoP),
      );
      expect(first.token_type).toBe('dpop');
      expect(decodeJwt(first.access_token).cnf).toEqual({ jkt: key.jkt });

      const userinfo = await oauth.processUserInfoResponse(
        as,
        spaClient,
        'user-alice',
        await oauth.userInfoRequest(as, spaClient, first.access_token, { ...INSECURE, DPoP }),
      );
      expect(userinfo.sub).toBe('user-alice');

      const refreshed = await oauth.processRefreshTokenResponse(
        as,
        spaClient,
        await oauth.refreshTokenGrantRequest(as, spaClient, oauth.None(), first.refresh_token!, {
          ...INSECURE,
          DPoP,
        }),
      );
      expect(refreshed).toMatchObject({ token_type: 'dpop', refresh_count: 1 });
      expect(decodeJwt(refreshed.access_token).cnf).toEqual({ jkt: key.jkt });

      // The public client's refresh token is bound: another key, or none, is refused.
      for (const other of [oauth.DPoP(spaClient, (await newKey()).pair), undefined]) {
        const error = await oauth
          .processRefreshTokenResponse(
            as,
            spaClient,
            await oauth.refreshTokenGrantRequest(
              as,
              spaClient,
              oauth.None(),
              refreshed.refresh_token!,
              { ...INSECURE, DPoP: other },
            ),
          )
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(oauth.ResponseBodyError);
        expect((error as oauth.ResponseBodyError).error).toBe('invalid_grant');
      }
    });

    it('refuses userinfo with the bound token as Bearer', async () => {
      const key = await newKey();
      const tokens = await oauth.processAuthorizationCodeResponse(
        as,
        spaClient,
        await exchange(await codeFor(key), oauth.DPoP(spaClient, key.pair)),
      );
      const call = await get(server, OAUTH_PATHS.userinfo, {
        authorization: `Bearer ${tokens.access_token}`,
      });
      expect(call.status).toBe(401);
      expect(call.challenge).toMatch(/^DPoP error="invalid_token"/);
    });

    it.each([
      ['another key', true],
      ['no proof', false],
    ])('refuses to exchange a dpop_jkt code with %s (invalid_grant)', async (_, withProof) => {
      const code = await codeFor(await newKey());
      const other = withProof ? oauth.DPoP(spaClient, (await newKey()).pair) : undefined;
      const error = await oauth
        .processAuthorizationCodeResponse(as, spaClient, await exchange(code, other))
        .catch((e: unknown) => e);
      expect((error as oauth.ResponseBodyError).error).toBe('invalid_grant');
    });

    it('refuses a malformed dpop_jkt at the authorization endpoint', async () => {
      await expect(
        obtainCode(server, { client: spa, extra: { dpop_jkt: 'not-a-thumbprint' } }),
      ).rejects.toThrow();
    });
  });
});

describeOn('sqlite')('DPoP nonces (%s)', (target) => {
  let server: TestApp;
  let as: oauth.AuthorizationServer;
  let service: TestClient;
  beforeAll(async () => {
    server = await startTestApp(
      target,
      { dpop: { nonces: true, nonceSecret: NONCE_SECRET } },
      { controllers: [AccountsController] },
    );
    as = await discover(server);
    service = await registerServiceClient(server);
  });
  afterAll(() => server.close());

  it('asks for a nonce (use_dpop_nonce + DPoP-Nonce), and the retry with it succeeds (oauth4webapi)', async () => {
    const c: oauth.Client = { client_id: service.clientId };
    const key = await newKey();
    const DPoP = oauth.DPoP(c, key.pair);
    const request = () =>
      oauth.clientCredentialsGrantRequest(
        as,
        c,
        oauth.ClientSecretBasic(service.clientSecret!),
        { scope: 'accounts:read' },
        { ...INSECURE, DPoP },
      );
    const error = await oauth
      .processClientCredentialsResponse(as, c, await request())
      .catch((e: unknown) => e);
    expect(oauth.isDPoPNonceError(error)).toBe(true);
    const result = await oauth.processClientCredentialsResponse(as, c, await request());
    expect(result.token_type).toBe('dpop');

    // The route asks too, in its DPoP challenge; the handle has the nonce already.
    const htu = `${server.url}/api/accounts`;
    const withoutNonce = await get(server, '/api/accounts', {
      authorization: `DPoP ${result.access_token}`,
      dpop: await proof(key, { htm: 'GET', htu, ath: ath(result.access_token) }),
    });
    expect(withoutNonce.status).toBe(401);
    expect(withoutNonce.challenge).toMatch(/^DPoP error="use_dpop_nonce"/);
    expect(withoutNonce.nonce).toEqual(expect.any(String));
    const ok = await get(server, '/api/accounts', {
      authorization: `DPoP ${result.access_token}`,
      dpop: await proof(key, {
        htm: 'GET',
        htu,
        ath: ath(result.access_token),
        nonce: withoutNonce.nonce,
      }),
    });
    expect(ok.status).toBe(200);
  });
});

describeOn('postgres')(
  'DPoP proof replay across two instances sharing PostgreSQL (%s)',
  (target) => {
    let first: TestApp;
    let second: TestApp;
    beforeAll(async () => {
      first = await startTestApp(target);
      const options = first.app.get<DataSource>(OAUTH_DATA_SOURCE).options;
      // Behind one load balancer: the same issuer, so the same token endpoint URL.
      second = await startTestApp(target, { issuer: first.url, dataSource: options });
    });
    afterAll(async () => {
      await second?.close();
      await first?.close();
    });

    it('refuses on the second instance a proof the first one accepted', async () => {
      const service = await registerServiceClient(first);
      const key = await newKey();
      const dpop = await proof(key, { htm: 'POST', htu: `${first.url}${OAUTH_PATHS.token}` });
      const headers = { ...basicHeaders(service), dpop };
      const accepted = await postForm(first, { grant_type: 'client_credentials' }, headers);
      expect(accepted.body.token_type).toBe('DPoP');
      const replayed = await postForm(second, { grant_type: 'client_credentials' }, headers);
      expectTokenError(replayed, 'invalid_dpop_proof');
      expect(replayed.body.error_description).toMatch(/already used/);
    });
  },
);
