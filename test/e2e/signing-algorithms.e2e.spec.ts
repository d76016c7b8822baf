// Every signing algorithm the key store offers produces access tokens and id_tokens that a
// standard JOSE library verifies against /oauth/jwks, and that OAuthGuard accepts.
import { Controller, Get, UseGuards } from '@nestjs/common';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { OAuthGuard, Scopes, SigningAlgorithm } from '../../src';
import {
  clientCredentials,
  registerCodeClient,
  registerServiceClient,
  seedCodeAndExchange,
} from '../support/token-helpers';
import { startTestApp, TestApp } from '../support/test-app';

@Controller('signed')
@UseGuards(OAuthGuard)
class SignedController {
  @Get()
  @Scopes('accounts:read')
  read() {
    return { ok: true };
  }
}

describe.each(['RS256', 'PS256', 'ES256', 'EdDSA'] as SigningAlgorithm[])('%s keys', (alg) => {
  let server: TestApp;
  beforeAll(async () => {
    server = await startTestApp(
      'sqlite',
      { keys: { algorithms: [alg] } },
      { controllers: [SignedController] },
    );
  });
  afterAll(() => server.close());

  const jwks = async () =>
    createLocalJWKSet(await (await fetch(`${server.url}/oauth/jwks`)).json());

  it('signs access tokens that verify against the JWKS and pass OAuthGuard', async () => {
    const client = await registerServiceClient(server);
    const { body } = await clientCredentials(server, client, { scope: 'accounts:read' });
    expect(decodeProtectedHeader(body.access_token)).toMatchObject({ alg, typ: 'at+jwt' });
    const { payload } = await jwtVerify(body.access_token, await jwks(), {
      issuer: server.url,
      audience: server.url,
      typ: 'at+jwt',
    });
    expect(payload.scope).toBe('accounts:read');
    const response = await fetch(`${server.url}/signed`, {
      headers: { authorization: `Bearer ${body.access_token}` },
    });
    expect(response.status).toBe(200);
  });

  it('signs id_tokens that verify against the JWKS', async () => {
    const client = await registerCodeClient(server);
    const tokens = await seedCodeAndExchange(server, client, { scopes: ['openid'], nonce: 'n-1' });
    const { payload, protectedHeader } = await jwtVerify(tokens.id_token, await jwks(), {
      issuer: server.url,
      audience: client.clientId,
    });
    expect(protectedHeader.alg).toBe(alg);
    expect(payload).toMatchObject({ sub: 'user-alice', nonce: 'n-1' });
  });
});
