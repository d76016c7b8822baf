// profile: 'fapi2' (FAPI 2.0 Security Profile): oauth4webapi drives the whole flow a FAPI client
// runs (PAR + PKCE S256 + DPoP + private_key_jwt with the issuer as aud, code exchange, a
// DPoP-bound call to a guarded route, refresh with DPoP and no rotation), then each refusal the
// profile requires.
import { Controller, Get, UseGuards } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import * as oauth from 'oauth4webapi';
import { AccessToken, ClientService, OAUTH_PATHS, OAuthGuard, Scopes } from '../../src';
import type { VerifiedAccessToken } from '../../src';
import { consentForm, decide, isConsentPage, TestBrowser } from '../support/authorize-helpers';
import { TEST_TARGETS } from '../support/targets';
import { startTestApp, TestApp } from '../support/test-app';
import { pkcePair, postForm, REDIRECT_URI, registerCodeClient } from '../support/token-helpers';

const INSECURE = { [oauth.allowInsecureRequests]: true } as const;

@Controller('api')
@UseGuards(OAuthGuard)
class AccountsController {
  @Get('accounts')
  @Scopes('accounts:read')
  accounts(@AccessToken() token: VerifiedAccessToken) {
    return { dpopJkt: token.dpopJkt ?? null };
  }
}

interface FapiClient {
  clientId: string;
  key: CryptoKey;
  kid: string;
}

/** A FAPI client: private_key_jwt with an ES256 key, code flow with refresh tokens. */
async function registerFapiClient(server: TestApp): Promise<FapiClient> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const kid = randomUUID();
  const client = await registerCodeClient(server, {
    tokenEndpointAuthMethod: 'private_key_jwt',
    jwks: { keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' }] },
  });
  return { clientId: client.clientId, key: privateKey, kid };
}

/** A client assertion made by hand, for what oauth4webapi would never send. */
async function assertion(
  server: TestApp,
  client: FapiClient,
  claims: { aud?: string } = {},
  key: CryptoKey = client.key,
  alg = 'ES256',
): Promise<Record<string, string>> {
  const jwt = await new SignJWT({})
    .setProtectedHeader({ alg, kid: client.kid })
    .setIssuer(client.clientId)
    .setSubject(client.clientId)
    .setAudience(claims.aud ?? server.url)
    .setJti(randomUUID())
    .setIssuedAt()
    .setExpirationTime('1m')
    .sign(key);
  return {
    client_id: client.clientId,
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    client_assertion: jwt,
  };
}

describe.each(TEST_TARGETS)("profile: 'fapi2' (%s)", (target) => {
  let server: TestApp;
  let as: oauth.AuthorizationServer;
  let fapi: FapiClient;
  beforeAll(async () => {
    server = await startTestApp(
      target,
      { profile: 'fapi2' },
      { controllers: [AccountsController] },
    );
    const issuer = new URL(server.url);
    as = await oauth.processDiscoveryResponse(
      issuer,
      await oauth.discoveryRequest(issuer, { ...INSECURE, algorithm: 'oauth2' }),
    );
    fapi = await registerFapiClient(server);
  });
  afterAll(() => server.close());

  it('advertises PAR required, private_key_jwt only, DPoP and no RS256', () => {
    expect(as).toMatchObject({
      pushed_authorization_request_endpoint: `${server.url}${OAUTH_PATHS.par}`,
      require_pushed_authorization_requests: true,
      token_endpoint_auth_methods_supported: ['private_key_jwt'],
      code_challenge_methods_supported: ['S256'],
      authorization_response_iss_parameter_supported: true,
    });
    expect(as.dpop_signing_alg_values_supported).not.toContain('RS256');
    expect(as.dpop_signing_alg_values_supported).toContain('ES256');
    expect(as.token_endpoint_auth_signing_alg_values_supported).not.toContain('RS256');
  });

  it('runs the whole FAPI 2.0 flow with oauth4webapi: PAR, DPoP, private_key_jwt, refresh', async () => {
    const client: oauth.Client = { client_id: fapi.clientId };
    const auth = oauth.PrivateKeyJwt({ key: fapi.key, kid: fapi.kid });
    const dpopKeys = await generateKeyPair('ES256', { extractable: false });
    const DPoP = oauth.DPoP(client, dpopKeys);
    const verifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();

    const parResponse = await oauth.pushedAuthorizationRequest(
      as,
      client,
      auth,
      {
        response_type: 'code',
        redirect_uri: REDIRECT_URI,
        scope: 'accounts:read offline_access',
        state,
        code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
      },
      { ...INSECURE, DPoP },
    );
    const pushed = await oauth.processPushedAuthorizationResponse(as, client, parResponse);

    const browser = new TestBrowser(server, 'user-alice');
    let page = await browser.authorize({
      client_id: fapi.clientId,
      request_uri: pushed.request_uri,
    });
    if (isConsentPage(page)) page = await decide(browser, consentForm(page), 'allow');
    expect(page.status).toBe(303);
    const params = oauth.validateAuthResponse(as, client, new URL(page.location!), state);

    const tokens = await oauth.processAuthorizationCodeResponse(
      as,
      client,
      await oauth.authorizationCodeGrantRequest(as, client, auth, params, REDIRECT_URI, verifier, {
        ...INSECURE,
        DPoP,
      }),
    );
    expect(tokens.token_type).toBe('dpop');
    expect(tokens.refresh_token).toEqual(expect.any(String));

    const api = await oauth.protectedResourceRequest(
      tokens.access_token,
      'GET',
      new URL(`${server.url}/api/accounts`),
      undefined,
      undefined,
      { ...INSECURE, DPoP },
    );
    expect(api.status).toBe(200);
    expect((await api.json()).dpopJkt).toEqual(expect.any(String));

    // Confidential client under FAPI 2.0: the refresh token is not rotated.
    const refreshed = await oauth.processRefreshTokenResponse(
      as,
      client,
      await oauth.refreshTokenGrantRequest(as, client, auth, tokens.refresh_token!, {
        ...INSECURE,
        DPoP,
      }),
    );
    expect(refreshed.token_type).toBe('dpop');
    expect(refreshed.refresh_token).toBeUndefined();
    const again = await oauth.refreshTokenGrantRequest(as, client, auth, tokens.refresh_token!, {
      ...INSECURE,
      DPoP,
    });
    expect(again.status).toBe(200);

    // The DPoP-bound token is refused as a Bearer token.
    const asBearer = await fetch(`${server.url}/api/accounts`, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    expect(asBearer.status).toBe(401);
  });

  it('refuses an authorization request that was not pushed', async () => {
    const { challenge } = pkcePair();
    const page = await new TestBrowser(server, 'user-alice').authorize({
      client_id: fapi.clientId,
      response_type: 'code',
      redirect_uri: REDIRECT_URI,
      scope: 'accounts:read',
      state: 'plain',
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });
    const location = new URL(page.location!);
    expect(location.origin + location.pathname).toBe(REDIRECT_URI);
    expect(location.searchParams.get('error')).toBe('invalid_request');
    expect(location.searchParams.get('iss')).toBe(server.url);
  });

  async function par(params: Record<string, string | undefined>, auth?: Record<string, string>) {
    return postForm(
      server,
      { ...(auth ?? (await assertion(server, fapi))), ...params },
      {},
      OAUTH_PATHS.par,
    );
  }

  const pushable = () => {
    const { challenge } = pkcePair();
    return {
      response_type: 'code',
      redirect_uri: REDIRECT_URI,
      scope: 'accounts:read',
      code_challenge: challenge,
      code_challenge_method: 'S256',
    } as Record<string, string | undefined>;
  };

  it('accepts a hand-made push with the issuer as aud (the baseline of the refusals below)', async () => {
    expect((await par(pushable())).status).toBe(201);
  });

  it('refuses a pushed request without redirect_uri', async () => {
    const call = await par({ ...pushable(), redirect_uri: undefined });
    expect({ status: call.status, error: call.body.error }).toEqual({
      status: 400,
      error: 'invalid_request',
    });
  });

  it('refuses plain PKCE', async () => {
    const call = await par({
      ...pushable(),
      code_challenge: 'a'.repeat(43),
      code_challenge_method: 'plain',
    });
    expect({ status: call.status, error: call.body.error }).toEqual({
      status: 400,
      error: 'invalid_request',
    });
  });

  it('refuses a client assertion for the token endpoint rather than the issuer', async () => {
    const call = await par(
      pushable(),
      await assertion(server, fapi, { aud: `${server.url}${OAUTH_PATHS.par}` }),
    );
    expect({ status: call.status, error: call.body.error }).toEqual({
      status: 401,
      error: 'invalid_client',
    });
  });

  it('refuses an RS256 client assertion', async () => {
    const rsa = await generateKeyPair('RS256', { extractable: true });
    const kid = randomUUID();
    const rsaClient = await registerCodeClient(server, {
      tokenEndpointAuthMethod: 'private_key_jwt',
      jwks: { keys: [{ ...(await exportJWK(rsa.publicKey)), kid, alg: 'RS256', use: 'sig' }] },
    });
    const signer = { clientId: rsaClient.clientId, key: rsa.privateKey, kid };
    const call = await par(
      pushable(),
      await assertion(server, signer, {}, rsa.privateKey, 'RS256'),
    );
    expect({ status: call.status, error: call.body.error }).toEqual({
      status: 401,
      error: 'invalid_client',
    });
  });

  it('refuses a token request without a DPoP proof', async () => {
    const call = await postForm(server, {
      ...(await assertion(server, fapi)),
      grant_type: 'authorization_code',
      code: 'any-code',
      redirect_uri: REDIRECT_URI,
      code_verifier: pkcePair().verifier,
    });
    expect({ status: call.status, error: call.body.error }).toEqual({
      status: 400,
      error: 'invalid_request',
    });
    expect(call.body.error_description).toMatch(/DPoP/);
  });

  it.each([
    [
      'a client secret',
      { tokenEndpointAuthMethod: 'client_secret_basic' },
      /token_endpoint_auth_method/,
    ],
    ['a public client', { tokenEndpointAuthMethod: 'none' }, /token_endpoint_auth_method/],
    ['a custom-scheme redirect URI', { redirectUris: ['com.example.app:/cb'] }, /scheme/],
    ['an http redirect URI', { redirectUris: ['http://app.example/cb'] }, /http/],
  ])('refuses to register %s', async (_, registration, message) => {
    await expect(
      server.app.get(ClientService).register({
        name: 'Not FAPI',
        grantTypes: ['authorization_code'],
        redirectUris: [REDIRECT_URI],
        tokenEndpointAuthMethod: 'private_key_jwt',
        jwks: { keys: [] },
        ...registration,
      } as never),
    ).rejects.toThrow(message);
  });
});

describe("profile: 'fapi2' at start-up", () => {
  it('refuses options that contradict it, naming the option', async () => {
    await expect(
      startTestApp(TEST_TARGETS[0], {
        profile: 'fapi2',
        tokenEndpointAuthMethods: ['client_secret_basic'],
      }),
    ).rejects.toThrow(/tokenEndpointAuthMethods.*contradicts profile 'fapi2'/);
  });
});
