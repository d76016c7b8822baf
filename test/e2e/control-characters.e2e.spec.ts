// Control characters (NUL above all, which PostgreSQL refuses in text) in what a client sends
// are bad input: the spec's error, never a 500 from the database.
import { OAUTH_PATHS } from '../../src';
import { TEST_TARGETS } from '../support/targets';
import { startTestApp, TestApp } from '../support/test-app';
import { pkcePair, REDIRECT_URI, registerCodeClient } from '../support/token-helpers';

const INITIAL_ACCESS_TOKEN = 'initial-access-token-for-control-character-tests';

describe.each(TEST_TARGETS)('control characters in client input (%s)', (target) => {
  let server: TestApp;
  beforeAll(async () => {
    server = await startTestApp(target, {
      registration: { enabled: true, initialAccessToken: INITIAL_ACCESS_TOKEN },
    });
  });
  afterAll(() => server.close());

  const register = (metadata: object) =>
    fetch(`${server.url}${OAUTH_PATHS.registration}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${INITIAL_ACCESS_TOKEN}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify(metadata),
    });

  it.each([
    [
      { client_name: 'Bank\u0000app', grant_types: ['client_credentials'] },
      'invalid_client_metadata',
    ],
    [
      {
        client_name: 'Bank app',
        client_uri: 'https://bank.example/a\u0000b',
        grant_types: ['client_credentials'],
      },
      'invalid_client_metadata',
    ],
    [
      { client_name: 'Bank app', redirect_uris: ['https://bank.example/cb\u0000'] },
      'invalid_redirect_uri',
    ],
  ])('registration refuses %j with %s', async (metadata, error) => {
    const response = await register(metadata);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error, error_description: expect.any(String) });
  });

  it('the authorization endpoint sends a nonce with a NUL back to the client as invalid_request', async () => {
    const client = await registerCodeClient(server);
    const query = new URLSearchParams({
      response_type: 'code',
      client_id: client.clientId,
      redirect_uri: REDIRECT_URI,
      scope: 'openid',
      code_challenge: pkcePair().challenge,
      code_challenge_method: 'S256',
      state: 'xyz',
      nonce: 'n\u0000once',
    });
    const response = await fetch(`${server.url}${OAUTH_PATHS.authorize}?${query}`, {
      redirect: 'manual',
      headers: { 'x-test-user': 'user-alice' },
    });
    const location = new URL(response.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe(REDIRECT_URI);
    expect(location.searchParams.get('error')).toBe('invalid_request');
    expect(location.searchParams.get('state')).toBe('xyz');
  });
});
