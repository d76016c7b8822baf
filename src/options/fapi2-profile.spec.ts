import { resolveOAuthConfig } from './oauth-config';
import { OAuthConfigurationError } from './oauth-configuration.error';
import type { OAuthModuleOptions } from './oauth-module-options.interface';
import { validateOAuthOptions } from './validate-options';

const fapi = (overrides: Record<string, unknown> = {}): OAuthModuleOptions =>
  ({
    issuer: 'https://bank.example.com',
    dataSource: { type: 'better-sqlite3', database: ':memory:' },
    scopes: { 'accounts:read': { description: 'Read your accounts' } },
    resourceOwner: { getSignedInUser: () => null, findById: () => null, getClaims: () => ({}) },
    interaction: { loginUrl: '/login' },
    profile: 'fapi2',
    ...overrides,
  }) as OAuthModuleOptions;

describe("profile: 'fapi2'", () => {
  it('sets what FAPI 2.0 requires where the host left it unset', () => {
    validateOAuthOptions(fapi());
    const config = resolveOAuthConfig(fapi());
    expect(config).toMatchObject({
      profile: 'fapi2',
      tokenEndpointAuthMethods: ['private_key_jwt'],
      refreshTokenRotation: 'public-clients',
      authorizationCodeTtl: 60,
      keys: { algorithms: ['PS256'] },
      pkce: { requiredForConfidentialClients: true, allowPlain: false },
      pushedAuthorizationRequests: { required: true, redirectUriRequired: true },
      dpop: { enabled: true, required: true },
    });
    expect(config.dpop.algorithms).not.toContain('RS256');
  });

  it("keeps the host's choices the profile allows", () => {
    const config = resolveOAuthConfig(
      fapi({
        keys: { algorithms: ['ES256'] },
        refreshTokenRotation: 'never',
        authorizationCodeTtl: 30,
      }),
    );
    expect(config).toMatchObject({
      keys: { algorithms: ['ES256'] },
      refreshTokenRotation: 'never',
      authorizationCodeTtl: 30,
    });
  });

  it.each([
    ['pushedAuthorizationRequests', { required: false }, 'pushedAuthorizationRequests.required'],
    ['pkce', { allowPlain: true }, 'pkce.allowPlain'],
    ['pkce', { requiredForConfidentialClients: false }, 'pkce.requiredForConfidentialClients'],
    [
      'tokenEndpointAuthMethods',
      ['private_key_jwt', 'client_secret_basic'],
      'tokenEndpointAuthMethods',
    ],
    ['tokenEndpointAuthMethods', ['none'], 'tokenEndpointAuthMethods'],
    ['dpop', { enabled: false }, 'dpop.enabled'],
    ['dpop', { algorithms: ['ES256', 'RS256'] }, 'dpop.algorithms'],
    ['dpop', { algorithms: ['ES256', 'ES512'] }, 'dpop.algorithms'],
    ['dpop', { algorithms: ['PS384'] }, 'dpop.algorithms'],
    ['keys', { algorithms: ['RS256'] }, 'keys.algorithms'],
    ['authorizationCodeTtl', 61, 'authorizationCodeTtl'],
    ['refreshTokenRotation', 'always', 'refreshTokenRotation'],
    ['grantTypes', ['authorization_code', 'password'], 'grantTypes'],
    [
      'grantTypes',
      ['authorization_code', 'urn:ietf:params:oauth:grant-type:device_code'],
      'grantTypes',
    ],
  ])('refuses to start with %s = %j, naming %s', (name, value, option) => {
    let error: unknown;
    try {
      validateOAuthOptions(fapi({ [name]: value }));
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(OAuthConfigurationError);
    expect((error as OAuthConfigurationError).option).toBe(option);
    expect((error as Error).message).toMatch(/contradicts profile 'fapi2': FAPI 2\.0/);
  });

  it('refuses an unknown profile', () => {
    expect(() => validateOAuthOptions(fapi({ profile: 'fapi1' }))).toThrow(/profile/);
  });
});
