// RFC 8707 resource indicators: a token asked for one API carries that API as its audience,
// so the other APIs (and the module's own guard, which expects the default audience) refuse it.
import { Controller, Get, UseGuards } from '@nestjs/common';
import { decodeJwt } from 'jose';
import { OAuthGuard, Scopes } from '../../src';
import { TEST_TARGETS } from '../support/targets';
import {
  clientCredentials,
  pkcePair,
  postForm,
  REDIRECT_URI,
  refresh,
  registerCodeClient,
  registerServiceClient,
  TestClient,
} from '../support/token-helpers';
import { startTestApp, TestApp } from '../support/test-app';

const PAYMENTS_API = 'https://api.example.com/payments';

@Controller('accounts-api')
@UseGuards(OAuthGuard)
class AccountsApiController {
  @Get()
  @Scopes('accounts:read')
  list() {
    return [];
  }
}

describe.each(TEST_TARGETS)('resource indicators, RFC 8707 (%s)', (target) => {
  let server: TestApp;
  let service: TestClient;

  beforeAll(async () => {
    server = await startTestApp(
      target,
      { resources: [PAYMENTS_API] },
      { controllers: [AccountsApiController] },
    );
    service = await registerServiceClient(server);
  });
  afterAll(() => server.close());

  const callAccountsApi = (token: string) =>
    fetch(`${server.url}/accounts-api`, { headers: { authorization: `Bearer ${token}` } });

  it('issues a client_credentials token for the requested resource, which other APIs refuse', async () => {
    const call = await clientCredentials(server, service, {
      scope: 'accounts:read',
      resource: PAYMENTS_API,
    });
    expect(call.status).toBe(200);
    expect(decodeJwt(call.body.access_token).aud).toBe(PAYMENTS_API);
    const response = await callAccountsApi(call.body.access_token);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });

  it('without a resource, the token is for the default audience and works on the API', async () => {
    const call = await clientCredentials(server, service, { scope: 'accounts:read' });
    expect(decodeJwt(call.body.access_token).aud).toBe(server.url);
    expect((await callAccountsApi(call.body.access_token)).status).toBe(200);
  });

  it.each([
    ['an unknown resource', 'https://api.example.com/other'],
    ['a resource with a fragment', `${PAYMENTS_API}#x`],
    ['a relative resource', '/payments'],
  ])('refuses %s with invalid_target', async (_name, resource) => {
    const call = await clientCredentials(server, service, { resource });
    expect(call.status).toBe(400);
    expect(call.body.error).toBe('invalid_target');
  });

  describe('with the authorization code flow', () => {
    let client: TestClient;
    beforeAll(async () => {
      client = await registerCodeClient(server, { firstParty: true });
    });

    async function authorize(resource?: string): Promise<{ location: URL; verifier: string }> {
      const { verifier, challenge } = pkcePair();
      const query = new URLSearchParams({
        response_type: 'code',
        client_id: client.clientId,
        redirect_uri: REDIRECT_URI,
        scope: 'accounts:read offline_access',
        state: 'st',
        code_challenge: challenge,
        code_challenge_method: 'S256',
        ...(resource ? { resource } : {}),
      });
      const response = await fetch(`${server.url}/oauth/authorize?${query}`, {
        redirect: 'manual',
        headers: { 'x-test-user': 'user-alice' },
      });
      expect(response.status).toBe(303);
      return { location: new URL(response.headers.get('location')!), verifier };
    }

    const exchange = (code: string, verifier: string, extra: Record<string, string> = {}) =>
      postForm(
        server,
        {
          grant_type: 'authorization_code',
          code,
          code_verifier: verifier,
          redirect_uri: REDIRECT_URI,
          ...extra,
        },
        {
          authorization: `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`,
        },
      );

    it('carries the resource from the authorization request into the token and its refreshes', async () => {
      const { location, verifier } = await authorize(PAYMENTS_API);
      const call = await exchange(location.searchParams.get('code')!, verifier);
      expect(call.status).toBe(200);
      expect(decodeJwt(call.body.access_token).aud).toBe(PAYMENTS_API);
      const refreshed = await refresh(server, client, call.body.refresh_token);
      expect(refreshed.status).toBe(200);
      expect(decodeJwt(refreshed.body.access_token).aud).toBe(PAYMENTS_API);
    });

    it('refuses a token request for a resource the authorization was not for', async () => {
      const { location, verifier } = await authorize();
      const call = await exchange(location.searchParams.get('code')!, verifier, {
        resource: PAYMENTS_API,
      });
      expect(call.status).toBe(400);
      expect(call.body.error).toBe('invalid_target');
    });

    it('refuses a refresh for another resource than the authorization', async () => {
      const { location, verifier } = await authorize(PAYMENTS_API);
      const call = await exchange(location.searchParams.get('code')!, verifier);
      const refreshed = await refresh(server, client, call.body.refresh_token, {
        resource: server.url,
      });
      expect(refreshed.status).toBe(400);
      expect(refreshed.body.error).toBe('invalid_target');
    });

    it('sends invalid_target to the client, with state and iss, for an unknown resource', async () => {
      const { location } = await authorize('https://api.example.com/other');
      expect(location.origin + location.pathname).toBe(REDIRECT_URI);
      expect(location.searchParams.get('error')).toBe('invalid_target');
      expect(location.searchParams.get('state')).toBe('st');
      expect(location.searchParams.get('iss')).toBe(server.url);
      expect(location.searchParams.has('code')).toBe(false);
    });
  });
});
