import { OAUTH_PATHS } from '../../src';
import { describeOn, TEST_TARGETS } from '../support/targets';
import { startTestApp, TestApp } from '../support/test-app';

describe.each(TEST_TARGETS)('discovery and JWKS (%s)', (target) => {
  let server: TestApp;
  beforeAll(async () => {
    server = await startTestApp(target);
  });
  afterAll(() => server.close());

  it('serves RFC 8414 metadata built from the options', async () => {
    const response = await fetch(`${server.url}${OAUTH_PATHS.serverMetadata}`);
    expect(response.status).toBe(200);
    const metadata = await response.json();
    expect(metadata).toMatchObject({
      issuer: server.url,
      authorization_endpoint: `${server.url}/oauth/authorize`,
      token_endpoint: `${server.url}/oauth/token`,
      jwks_uri: `${server.url}/oauth/jwks`,
      revocation_endpoint: `${server.url}/oauth/revoke`,
      introspection_endpoint: `${server.url}/oauth/introspect`,
      userinfo_endpoint: `${server.url}/oauth/userinfo`,
      response_types_supported: ['code'],
      grant_types_supported: ['authorization_code', 'client_credentials', 'refresh_token'],
      code_challenge_methods_supported: ['S256'],
      authorization_response_iss_parameter_supported: true,
    });
    expect(metadata.scopes_supported).toEqual(
      expect.arrayContaining(['openid', 'accounts:read', 'payments:write']),
    );
    expect(metadata).not.toHaveProperty('registration_endpoint');
  });

  it('serves the OpenID Provider configuration with RS256 id_tokens', async () => {
    const metadata = await (await fetch(`${server.url}${OAUTH_PATHS.openidConfiguration}`)).json();
    expect(metadata.issuer).toBe(server.url);
    expect(metadata.id_token_signing_alg_values_supported).toContain('RS256');
    expect(metadata.subject_types_supported).toEqual(['public']);
  });

  it('publishes only public key parts with kid, alg and use', async () => {
    const response = await fetch(`${server.url}${OAUTH_PATHS.jwks}`);
    expect(response.status).toBe(200);
    const { keys } = await response.json();
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({
      kty: 'RSA',
      alg: 'RS256',
      use: 'sig',
      kid: expect.any(String),
    });
    for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi'])
      expect(keys[0]).not.toHaveProperty(member);
  });
});

describeOn('sqlite')('discovery without the code flow (%s)', (target) => {
  let server: TestApp;
  beforeAll(async () => {
    server = await startTestApp(target, {
      grantTypes: ['client_credentials'],
      registration: { enabled: true, initialAccessToken: 'a-long-initial-access-token' },
    });
  });
  afterAll(() => server.close());

  it('advertises only what is enabled', async () => {
    const metadata = await (await fetch(`${server.url}${OAUTH_PATHS.serverMetadata}`)).json();
    expect(metadata.grant_types_supported).toEqual(['client_credentials']);
    expect(metadata).not.toHaveProperty('authorization_endpoint');
    expect(metadata.response_types_supported).toEqual([]);
    expect(metadata.registration_endpoint).toBe(`${server.url}/oauth/register`);
  });
});
