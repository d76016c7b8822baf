// refreshTokenRotation: 'always' (default, see token-refresh.e2e.spec.ts), 'public-clients'
// (FAPI 2.0: confidential clients keep their refresh token) and 'never'. A refresh that does
// not rotate answers without a refresh_token, keeps the token usable, and still dies with its
// family.
import { Controller, Get, UseGuards } from '@nestjs/common';
import { OAUTH_PATHS, OAuthGuard, Scopes } from '../../src';
import { TEST_TARGETS } from '../support/targets';
import { startTestApp, TestApp } from '../support/test-app';
import {
  basicHeaders,
  postForm,
  refresh,
  registerCodeClient,
  seedCodeAndExchange,
  TestClient,
  expectTokenError,
} from '../support/token-helpers';

@Controller('api')
class AccountsController {
  @Get('accounts')
  @UseGuards(OAuthGuard)
  @Scopes('accounts:read')
  accounts() {
    return { ok: true };
  }
}

async function apiStatus(server: TestApp, accessToken: string): Promise<number> {
  const response = await fetch(`${server.url}/api/accounts`, {
    headers: { authorization: `Bearer ${accessToken}` },
  });
  return response.status;
}

describe.each(TEST_TARGETS)('refreshTokenRotation (%s)', (target) => {
  describe("'public-clients'", () => {
    let server: TestApp;
    let confidential: TestClient;
    let publicClient: TestClient;
    beforeAll(async () => {
      server = await startTestApp(
        target,
        { refreshTokenRotation: 'public-clients' },
        { controllers: [AccountsController] },
      );
      confidential = await registerCodeClient(server);
      publicClient = await registerCodeClient(server, { tokenEndpointAuthMethod: 'none' });
    });
    afterAll(() => server.close());

    it('keeps a confidential client’s refresh token: no refresh_token in the answer, the same token works again', async () => {
      const first = await seedCodeAndExchange(server, confidential);
      const once = await refresh(server, confidential, first.refresh_token);
      expect(once.status).toBe(200);
      expect(once.body).toEqual({
        token_type: 'Bearer',
        access_token: expect.any(String),
        expires_in: 3600,
        scope: expect.any(String),
        status: 'approved',
      });
      const twice = await refresh(server, confidential, first.refresh_token);
      expect(twice.status).toBe(200);
      expect(twice.body.access_token).not.toBe(once.body.access_token);
      expect(await apiStatus(server, once.body.access_token)).toBe(200);
      expect(await apiStatus(server, twice.body.access_token)).toBe(200);
    });

    it('answers concurrent refreshes of a kept token all with new access tokens', async () => {
      const first = await seedCodeAndExchange(server, confidential);
      const calls = await Promise.all(
        Array.from({ length: 5 }, () => refresh(server, confidential, first.refresh_token)),
      );
      expect(calls.map((call) => call.status)).toEqual([200, 200, 200, 200, 200]);
    });

    it('still rotates a public client’s refresh token, with reuse detection', async () => {
      const first = await seedCodeAndExchange(server, publicClient);
      const rotated = await refresh(server, publicClient, first.refresh_token);
      expect(rotated.status).toBe(200);
      expect(rotated.body.refresh_token).toEqual(expect.any(String));
      expect(rotated.body.refresh_token).not.toBe(first.refresh_token);
      // The successor is used, so the first token presented again is reuse, not a retry.
      expect((await refresh(server, publicClient, rotated.body.refresh_token)).status).toBe(200);
      expectTokenError(await refresh(server, publicClient, first.refresh_token), 'invalid_grant');
    });

    it('revoking the kept refresh token takes down every access token it gave', async () => {
      const first = await seedCodeAndExchange(server, confidential);
      const issued = await refresh(server, confidential, first.refresh_token);
      const revoked = await postForm(
        server,
        { token: first.refresh_token, token_type_hint: 'refresh_token' },
        basicHeaders(confidential),
        OAUTH_PATHS.revocation,
      );
      expect(revoked.status).toBe(200);
      expect(await apiStatus(server, issued.body.access_token)).toBe(401);
      expectTokenError(await refresh(server, confidential, first.refresh_token), 'invalid_grant');
    });
  });

  describe("'never'", () => {
    let server: TestApp;
    let publicClient: TestClient;
    beforeAll(async () => {
      server = await startTestApp(target, { refreshTokenRotation: 'never' });
      publicClient = await registerCodeClient(server, { tokenEndpointAuthMethod: 'none' });
    });
    afterAll(() => server.close());

    it('keeps a public client’s refresh token too', async () => {
      const first = await seedCodeAndExchange(server, publicClient);
      const once = await refresh(server, publicClient, first.refresh_token);
      expect(once.status).toBe(200);
      expect(once.body.refresh_token).toBeUndefined();
      expect((await refresh(server, publicClient, first.refresh_token)).status).toBe(200);
    });
  });
});
