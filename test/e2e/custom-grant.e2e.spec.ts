// A host adds its own grant type: an injectable class tagged @OAuthGrant(uri), listed in
// grantTypes, found at start-up, reached through the token endpoint with the module's client
// authentication and token issuing.
import { Injectable } from '@nestjs/common';
import { decodeJwt } from 'jose';
import {
  OAuthException,
  OAuthGrant,
  OAuthGrantHandler,
  TokenIssuer,
  TokenRequest,
  TokenResponse,
} from '../../src';
import { describeOn, TEST_TARGETS } from '../support/targets';
import { basicHeaders, postForm, registerClient, TestClient } from '../support/token-helpers';
import { startTestApp, TestApp } from '../support/test-app';

const DEVICE_PAIRING = 'urn:example:params:oauth:grant-type:device-pairing';
const PAIRINGS: Record<string, string> = { 'pairing-123': 'user-bob' };

@Injectable()
@OAuthGrant(DEVICE_PAIRING)
class DevicePairingGrant implements OAuthGrantHandler {
  readonly allowsPublicClients = false;

  constructor(private readonly issuer: TokenIssuer) {}

  async handle(request: TokenRequest): Promise<TokenResponse> {
    const user = PAIRINGS[request.params.pairing_code ?? ''];
    if (!user) throw OAuthException.invalidGrant('Unknown pairing code.');
    const { response } = await this.issuer.issue({
      clientId: request.client.clientId,
      subject: user,
      scopes: ['accounts:read'],
      grantType: DEVICE_PAIRING,
      withRefreshToken: false,
    });
    return response;
  }
}

describe.each(TEST_TARGETS)('a host grant type (%s)', (target) => {
  let server: TestApp;
  let device: TestClient;

  beforeAll(async () => {
    server = await startTestApp(
      target,
      { grantTypes: ['client_credentials', DEVICE_PAIRING] },
      { providers: [DevicePairingGrant] },
    );
    device = await registerClient(server, { name: 'TV app', grantTypes: [DEVICE_PAIRING] });
  });
  afterAll(() => server.close());

  it('is advertised and issues tokens through the token endpoint', async () => {
    const metadata = await (
      await fetch(`${server.url}/.well-known/oauth-authorization-server`)
    ).json();
    expect(metadata.grant_types_supported).toContain(DEVICE_PAIRING);
    const call = await postForm(
      server,
      { grant_type: DEVICE_PAIRING, pairing_code: 'pairing-123' },
      basicHeaders(device),
    );
    expect(call.status).toBe(200);
    expect(call.body).toMatchObject({
      token_type: 'Bearer',
      scope: 'accounts:read',
      status: 'approved',
    });
    expect(decodeJwt(call.body.access_token)).toMatchObject({
      sub: 'user-bob',
      client_id: device.clientId,
    });
  });

  it('keeps its own errors and the module rules: client authentication, registered grants', async () => {
    const wrong = await postForm(
      server,
      { grant_type: DEVICE_PAIRING, pairing_code: 'nope' },
      basicHeaders(device),
    );
    expect(wrong.status).toBe(400);
    expect(wrong.body.error).toBe('invalid_grant');

    const unauthenticated = await postForm(server, {
      grant_type: DEVICE_PAIRING,
      pairing_code: 'pairing-123',
    });
    expect(unauthenticated.status).toBe(401);

    const other = await registerClient(server, {
      name: 'Service',
      grantTypes: ['client_credentials'],
    });
    const notRegistered = await postForm(
      server,
      { grant_type: DEVICE_PAIRING, pairing_code: 'pairing-123' },
      basicHeaders(other),
    );
    expect(notRegistered.status).toBe(400);
    expect(notRegistered.body.error).toBe('unauthorized_client');
  });
});

describeOn('sqlite')('a grant type listed without a handler (%s)', (target) => {
  it('stops start-up with a message naming the grant', async () => {
    await expect(
      startTestApp(target, { grantTypes: ['client_credentials', DEVICE_PAIRING] }),
    ).rejects.toThrow(
      `lists "${DEVICE_PAIRING}" but no provider is tagged @OAuthGrant('${DEVICE_PAIRING}')`,
    );
  });
});
