// Every signing algorithm the key store offers produces access tokens and id_tokens that a
// standard JOSE library verifies against /oauth/jwks, and that OAuthGuard accepts: with keys the
// module generates and with keys held by an external signer (keys.signer).
import { Controller, Get, UseGuards } from '@nestjs/common';
import { generateKeyPairSync, sign } from 'node:crypto';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { OAuthGuard, Scopes, SigningAlgorithm } from '../../src';
import { signCompactJws } from '../../src/keys/jws';
import { KeyRing } from '../../src/keys/key-ring.service';
import {
  clientCredentials,
  queryRows,
  registerCodeClient,
  registerServiceClient,
  seedCodeAndExchange,
} from '../support/token-helpers';
import { FakeSigner } from '../support/fake-signer';
import { TEST_TARGETS } from '../support/targets';
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

// Each algorithm on SQLite, on each adapter (the guard and /oauth/jwks are HTTP).
const CASES = (['RS256', 'PS256', 'ES256', 'EdDSA'] as SigningAlgorithm[]).flatMap((alg) =>
  TEST_TARGETS.filter((target) => target.database === 'sqlite').map(
    (target) => [alg, target] as const,
  ),
);

describe.each(CASES)('%s keys (%s)', (alg, target) => {
  let server: TestApp;
  beforeAll(async () => {
    server = await startTestApp(
      target,
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

describe.each(CASES)('%s keys held by an external signer (keys.signer) (%s)', (alg, target) => {
  let server: TestApp;
  let signer: FakeSigner;
  beforeAll(async () => {
    signer = new FakeSigner([alg]);
    server = await startTestApp(
      target,
      { keys: { algorithms: [alg], signer } },
      { controllers: [SignedController] },
    );
  });
  afterAll(() => server.close());

  const jwks = async () =>
    createLocalJWKSet(await (await fetch(`${server.url}/oauth/jwks`)).json());

  it('signs access tokens through the signer that verify against the JWKS and pass OAuthGuard', async () => {
    const client = await registerServiceClient(server);
    const { body } = await clientCredentials(server, client, { scope: 'accounts:read' });
    const [kid] = (await signer.keys()).map((key) => key.kid);
    expect(decodeProtectedHeader(body.access_token)).toMatchObject({ alg, kid, typ: 'at+jwt' });
    expect(signer.calls).toContain(kid);
    await expect(
      jwtVerify(body.access_token, await jwks(), {
        issuer: server.url,
        audience: server.url,
        typ: 'at+jwt',
      }),
    ).resolves.toBeDefined();
    const response = await fetch(`${server.url}/signed`, {
      headers: { authorization: `Bearer ${body.access_token}` },
    });
    expect(response.status).toBe(200);
    // The module holds no private key, and stores none.
    expect(server.app.get(KeyRing).signingKey().privateKey).toBeUndefined();
    expect(await queryRows(server, 'SELECT kid FROM oauth_signing_keys')).toEqual([]);
  });

  it('signs id_tokens through the signer that verify against the JWKS', async () => {
    const client = await registerCodeClient(server);
    const tokens = await seedCodeAndExchange(server, client, {
      scopes: ['openid'],
      nonce: 'n-1',
    });
    const { payload, protectedHeader } = await jwtVerify(tokens.id_token, await jwks(), {
      issuer: server.url,
      audience: client.clientId,
    });
    expect(protectedHeader.alg).toBe(alg);
    expect(payload).toMatchObject({ sub: 'user-alice', nonce: 'n-1' });
  });
});

describe('an external signer that returns a DER ECDSA signature', () => {
  it('is refused with a message that names the form JWS needs', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const der = sign('sha256', Buffer.from('x'), privateKey);
    await expect(
      signCompactJws({ alg: 'ES256', kid: 'k' }, {}, { remoteSign: () => Promise.resolve(der) }),
    ).rejects.toThrow(
      /returned \d+ bytes for ES256: a JWS needs the raw 64-byte signature \(for ES256 R\|\|S, not DER\)/,
    );
  });
});
