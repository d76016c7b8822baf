// A client written by someone else: oauth4webapi (strict, spec-checking) drives discovery,
// client_credentials (secret basic, secret post, private_key_jwt), the code exchange with an
// id_token, and refresh against our server. It also checks our access tokens as RFC 9068 JWTs.
import { randomUUID } from 'node:crypto';
import { createLocalJWKSet, exportJWK, generateKeyPair, jwtVerify } from 'jose';
import * as oauth from 'oauth4webapi';
import { OAUTH_PATHS } from '../../src';
import { TEST_TARGETS } from '../support/targets';
import { startTestApp, TestApp } from '../support/test-app';
import {
  REDIRECT_URI,
  registerCodeClient,
  registerServiceClient,
  seedCode,
  TestClient,
} from '../support/token-helpers';

const INSECURE = { [oauth.allowInsecureRequests]: true } as const;

describe.each(TEST_TARGETS)('oauth4webapi as the client (%s)', (target) => {
  let server: TestApp;
  let as: oauth.AuthorizationServer;
  beforeAll(async () => {
    server = await startTestApp(target);
    const issuer = new URL(server.url);
    as = await oauth.processDiscoveryResponse(
      issuer,
      await oauth.discoveryRequest(issuer, { ...INSECURE, algorithm: 'oauth2' }),
    );
  });
  afterAll(() => server.close());

  it('accepts our RFC 8414 metadata, and the OpenID configuration too', async () => {
    expect(as.issuer).toBe(server.url);
    expect(as.token_endpoint).toBe(`${server.url}${OAUTH_PATHS.token}`);
    const issuer = new URL(server.url);
    const oidc = await oauth.processDiscoveryResponse(
      issuer,
      await oauth.discoveryRequest(issuer, { ...INSECURE, algorithm: 'oidc' }),
    );
    expect(oidc.token_endpoint).toBe(as.token_endpoint);
  });

  describe('client_credentials', () => {
    let service: TestClient;
    let client: oauth.Client;
    beforeAll(async () => {
      service = await registerServiceClient(server);
      client = { client_id: service.clientId };
    });

    it('with client_secret_basic, and the access token passes RFC 9068 validation', async () => {
      const response = await oauth.clientCredentialsGrantRequest(
        as,
        client,
        oauth.ClientSecretBasic(service.clientSecret!),
        { scope: 'accounts:read' },
        INSECURE,
      );
      const result = await oauth.processClientCredentialsResponse(as, client, response);
      expect(result).toMatchObject({
        token_type: 'bearer',
        expires_in: 3600,
        scope: 'accounts:read',
        status: 'approved',
      });
      expect(result.refresh_token).toBeUndefined();

      const request = new Request(`${server.url}/api`, {
        headers: { authorization: `Bearer ${result.access_token}` },
      });
      const claims = await oauth.validateJwtAccessToken(as, request, server.url, INSECURE);
      expect(claims).toMatchObject({
        iss: server.url,
        sub: service.clientId,
        client_id: service.clientId,
        scope: 'accounts:read',
      });
    });

    it('with client_secret_post', async () => {
      const post = await registerServiceClient(server, {
        tokenEndpointAuthMethod: 'client_secret_post',
      });
      const postClient: oauth.Client = { client_id: post.clientId };
      const response = await oauth.clientCredentialsGrantRequest(
        as,
        postClient,
        oauth.ClientSecretPost(post.clientSecret!),
        {},
        INSECURE,
      );
      const result = await oauth.processClientCredentialsResponse(as, postClient, response);
      expect(result.scope).toBe('accounts:read');
    });

    it('with private_key_jwt (its own assertion format)', async () => {
      const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
      const kid = randomUUID();
      const jwtClient = await registerServiceClient(server, {
        tokenEndpointAuthMethod: 'private_key_jwt',
        jwks: { keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' }] },
      });
      const keyClient: oauth.Client = { client_id: jwtClient.clientId };
      const response = await oauth.clientCredentialsGrantRequest(
        as,
        keyClient,
        oauth.PrivateKeyJwt({ key: privateKey, kid }),
        { scope: 'accounts:read' },
        INSECURE,
      );
      const result = await oauth.processClientCredentialsResponse(as, keyClient, response);
      expect(result.access_token).toEqual(expect.any(String));
    });

    it('gets our errors as OAuth errors (ResponseBodyError with a Basic challenge on a wrong secret)', async () => {
      const response = await oauth.clientCredentialsGrantRequest(
        as,
        client,
        oauth.ClientSecretBasic('wrong'),
        {},
        INSECURE,
      );
      const error = await oauth
        .processClientCredentialsResponse(as, client, response)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(oauth.WWWAuthenticateChallengeError);
      expect((error as oauth.WWWAuthenticateChallengeError).response.status).toBe(401);

      const scopeResponse = await oauth.clientCredentialsGrantRequest(
        as,
        client,
        oauth.ClientSecretBasic(service.clientSecret!),
        { scope: 'payments:write' },
        INSECURE,
      );
      const scopeError = await oauth
        .processClientCredentialsResponse(as, client, scopeResponse)
        .catch((e: unknown) => e);
      expect(scopeError).toBeInstanceOf(oauth.ResponseBodyError);
      expect((scopeError as oauth.ResponseBodyError).error).toBe('invalid_scope');
    });
  });

  describe('authorization_code (seeded code) and refresh_token', () => {
    let web: TestClient;
    let client: oauth.Client;
    beforeAll(async () => {
      web = await registerCodeClient(server);
      client = { client_id: web.clientId };
    });

    async function exchange(scopes: string[], nonce: string | null) {
      const { code, verifier } = await seedCode(server, web, { scopes, nonce });
      const callback = new URL(
        `${REDIRECT_URI}?code=${encodeURIComponent(code)}&iss=${encodeURIComponent(server.url)}`,
      );
      const params = oauth.validateAuthResponse(as, client, callback, oauth.expectNoState);
      const response = await oauth.authorizationCodeGrantRequest(
        as,
        client,
        oauth.ClientSecretBasic(web.clientSecret!),
        params,
        REDIRECT_URI,
        verifier,
        INSECURE,
      );
      return { response, nonce };
    }

    it('exchanges the code with PKCE and accepts the id_token', async () => {
      const { response } = await exchange(
        ['openid', 'offline_access', 'accounts:read'],
        'nonce-123',
      );
      const result = await oauth.processAuthorizationCodeResponse(as, client, response, {
        expectedNonce: 'nonce-123',
        requireIdToken: true,
        maxAge: 300,
      });
      expect(result).toMatchObject({
        token_type: 'bearer',
        scope: 'openid offline_access accounts:read',
        refresh_count: 0,
      });
      expect(result.refresh_token).toEqual(expect.any(String));
      const claims = oauth.getValidatedIdTokenClaims(result)!;
      expect(claims).toMatchObject({
        iss: server.url,
        sub: 'user-alice',
        aud: web.clientId,
        nonce: 'nonce-123',
      });

      // oauth4webapi leaves the id_token signature to the caller (TLS from the token endpoint): check it too.
      const jwks = createLocalJWKSet(await (await fetch(as.jwks_uri!)).json());
      const { protectedHeader } = await jwtVerify(result.id_token!, jwks, {
        issuer: server.url,
        audience: web.clientId,
      });
      expect(protectedHeader.alg).toBe('RS256');
    });

    it('exchanges a non-OpenID code and refreshes twice', async () => {
      const { response } = await exchange(['accounts:read', 'payments:write'], null);
      const first = await oauth.processAuthorizationCodeResponse(as, client, response);
      expect(first.id_token).toBeUndefined();

      const secondResponse = await oauth.refreshTokenGrantRequest(
        as,
        client,
        oauth.ClientSecretBasic(web.clientSecret!),
        first.refresh_token!,
        INSECURE,
      );
      const second = await oauth.processRefreshTokenResponse(as, client, secondResponse);
      expect(second).toMatchObject({
        token_type: 'bearer',
        scope: 'accounts:read payments:write',
        refresh_count: 1,
        status: 'approved',
      });
      expect(second.refresh_token).not.toBe(first.refresh_token);

      const thirdResponse = await oauth.refreshTokenGrantRequest(
        as,
        client,
        oauth.ClientSecretBasic(web.clientSecret!),
        second.refresh_token!,
        { ...INSECURE, additionalParameters: { scope: 'accounts:read' } },
      );
      const third = await oauth.processRefreshTokenResponse(as, client, thirdResponse);
      expect(third).toMatchObject({ scope: 'accounts:read', refresh_count: 2 });

      const request = new Request(`${server.url}/api`, {
        headers: { authorization: `Bearer ${third.access_token}` },
      });
      const claims = await oauth.validateJwtAccessToken(as, request, server.url, INSECURE);
      expect(claims).toMatchObject({
        sub: 'user-alice',
        client_id: web.clientId,
        scope: 'accounts:read',
      });
    });

    it('refreshes the OpenID authorization (the refresh answer carries no id_token, which the client accepts)', async () => {
      const { response } = await exchange(['openid', 'offline_access', 'accounts:read'], 'n-2');
      const first = await oauth.processAuthorizationCodeResponse(as, client, response, {
        expectedNonce: 'n-2',
      });
      const refreshed = await oauth.processRefreshTokenResponse(
        as,
        client,
        await oauth.refreshTokenGrantRequest(
          as,
          client,
          oauth.ClientSecretBasic(web.clientSecret!),
          first.refresh_token!,
          INSECURE,
        ),
      );
      expect(refreshed.scope).toBe('openid offline_access accounts:read');
    });

    it('reports a replayed refresh token as invalid_grant', async () => {
      const { response } = await exchange(['accounts:read'], null);
      const first = await oauth.processAuthorizationCodeResponse(as, client, response);
      const auth = oauth.ClientSecretBasic(web.clientSecret!);
      const second = await oauth.processRefreshTokenResponse(
        as,
        client,
        await oauth.refreshTokenGrantRequest(as, client, auth, first.refresh_token!, INSECURE),
      );
      // The successor is used: a replay of the first token is no retry within the window.
      await oauth.processRefreshTokenResponse(
        as,
        client,
        await oauth.refreshTokenGrantRequest(as, client, auth, second.refresh_token!, INSECURE),
      );
      const error = await oauth
        .processRefreshTokenResponse(
          as,
          client,
          await oauth.refreshTokenGrantRequest(as, client, auth, first.refresh_token!, INSECURE),
        )
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(oauth.ResponseBodyError);
      expect((error as oauth.ResponseBodyError).error).toBe('invalid_grant');
    });

    it('works for a public client with PKCE only', async () => {
      const spa = await registerCodeClient(server, {
        tokenEndpointAuthMethod: 'none',
        scopes: ['accounts:read'],
      });
      const publicClient: oauth.Client = {
        client_id: spa.clientId,
        token_endpoint_auth_method: 'none',
      };
      const { code, verifier } = await seedCode(server, spa, { scopes: ['accounts:read'] });
      const params = oauth.validateAuthResponse(
        as,
        publicClient,
        new URL(`${REDIRECT_URI}?code=${code}&iss=${encodeURIComponent(server.url)}`),
      );
      const first = await oauth.processAuthorizationCodeResponse(
        as,
        publicClient,
        await oauth.authorizationCodeGrantRequest(
          as,
          publicClient,
          oauth.None(),
          params,
          REDIRECT_URI,
          verifier,
          INSECURE,
        ),
      );
      const refreshed = await oauth.processRefreshTokenResponse(
        as,
        publicClient,
        await oauth.refreshTokenGrantRequest(
          as,
          publicClient,
          oauth.None(),
          first.refresh_token!,
          INSECURE,
        ),
      );
      expect(refreshed.refresh_count).toBe(1);
    });
  });
});
