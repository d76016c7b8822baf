import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { JWK } from 'jose';
import { OAUTH_DEFAULTS, resolveOAuthConfig } from './oauth-config';
import { OAuthConfigurationError } from './oauth-configuration.error';
import type { OAuthModuleOptions } from './oauth-module-options.interface';
import type { ResourceOwnerProvider } from './resource-owner-provider.interface';
import { validateOAuthOptions } from './validate-options';

const resourceOwner: ResourceOwnerProvider = {
  getSignedInUser: () => null,
  findById: () => null,
  getClaims: () => ({}),
};

/** The smallest configuration that serves the default grants (code flow included). */
const valid = (
  overrides: Partial<Record<keyof OAuthModuleOptions, unknown>> = {},
): OAuthModuleOptions =>
  ({
    issuer: 'https://auth.example.com',
    dataSource: { type: 'better-sqlite3', database: ':memory:' },
    scopes: { 'accounts:read': { description: 'Read your accounts' } },
    resourceOwner,
    interaction: { loginUrl: '/login' },
    ...overrides,
  }) as OAuthModuleOptions;

const privateJwk = (): JWK => {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { ...(privateKey.export({ format: 'jwk' }) as JWK), kid: 'host-key-1', alg: 'ES256' };
};

const signer = {
  keys: () => Promise.resolve([]),
  sign: () => Promise.resolve(new Uint8Array(64)),
};

/** Runs the validation and returns the configuration error it threw. */
function errorOf(options: unknown): OAuthConfigurationError {
  try {
    validateOAuthOptions(options as OAuthModuleOptions);
  } catch (err) {
    expect(err).toBeInstanceOf(OAuthConfigurationError);
    return err as OAuthConfigurationError;
  }
  throw new Error('expected validateOAuthOptions to throw, but it accepted the options');
}

function expectRejected(options: unknown, option: string, message: RegExp): void {
  const err = errorOf(options);
  expect(err.option).toBe(option);
  expect(err.message).toContain(`OAuthModule option "${option}"`);
  expect(err.message).toMatch(message);
}

describe('validateOAuthOptions', () => {
  it('accepts a minimal valid configuration', () => {
    expect(() => validateOAuthOptions(valid())).not.toThrow();
  });

  it('accepts a machine-to-machine configuration without resourceOwner or loginUrl', () => {
    expect(() =>
      validateOAuthOptions(
        valid({
          grantTypes: ['client_credentials'],
          resourceOwner: undefined,
          interaction: undefined,
        }),
      ),
    ).not.toThrow();
  });

  it('accepts http for localhost and 127.0.0.1 issuers', () => {
    expect(() => validateOAuthOptions(valid({ issuer: 'http://localhost:3000' }))).not.toThrow();
    expect(() =>
      validateOAuthOptions(valid({ issuer: 'http://127.0.0.1:3000/auth' })),
    ).not.toThrow();
  });

  it.each([undefined, null, 'https://auth.example.com'])(
    'rejects missing options (%p)',
    (options) => {
      expectRejected(options, 'options', /is missing/);
    },
  );

  describe('issuer', () => {
    it.each([undefined, ''])('rejects a missing issuer (%p)', (issuer) => {
      expectRejected(valid({ issuer }), 'issuer', /is missing/);
    });

    it('rejects a relative issuer', () => {
      expectRejected(valid({ issuer: '/auth' }), 'issuer', /must be an absolute URL/);
    });

    it('rejects http for a host other than localhost', () => {
      expectRejected(valid({ issuer: 'http://auth.example.com' }), 'issuer', /must use https/);
      expectRejected(valid({ issuer: 'http://localhost.example.com' }), 'issuer', /must use https/);
    });

    it('rejects other schemes', () => {
      expectRejected(valid({ issuer: 'ftp://auth.example.com' }), 'issuer', /must use https/);
    });

    it.each([
      'https://auth.example.com?tenant=1',
      'https://auth.example.com#top',
      'https://auth.example.com/?',
      'https://auth.example.com/#',
    ])('rejects an issuer with a query or fragment (%s)', (issuer) => {
      expectRejected(valid({ issuer }), 'issuer', /must not have a query or fragment/);
    });
  });

  it.each([undefined, null, 'sqlite://db'])('rejects a missing dataSource (%p)', (dataSource) => {
    expectRejected(valid({ dataSource }), 'dataSource', /is missing/);
  });

  describe('scopes', () => {
    it.each([undefined, null, 'openid profile', ['openid']])(
      'rejects scopes that are not an object (%p)',
      (scopes) => {
        expectRejected(valid({ scopes }), 'scopes', /must be an object/);
      },
    );

    it.each(['accounts read', 'say"hi"', 'back\\slash', ''])(
      'rejects the scope name %p',
      (name) => {
        expectRejected(
          valid({ scopes: { [name]: { description: 'x' } } }),
          'scopes',
          /invalid scope name/,
        );
      },
    );

    it('names the scope that has no description', () => {
      expectRejected(valid({ scopes: { openid: {} } }), 'scopes.openid', /needs a description/);
      expectRejected(valid({ scopes: { openid: null } }), 'scopes.openid', /needs a description/);
    });
  });

  describe('authorizationDetailsTypes (RFC 9396)', () => {
    const type = { validate: () => undefined, describe: () => 'Pay 1.00 EUR' };

    it('accepts types with validate and describe, and the optional hooks', () => {
      expect(() =>
        validateOAuthOptions(
          valid({
            authorizationDetailsTypes: {
              payment_initiation: { ...type, reusable: false },
              account_information: {
                ...type,
                reusable: true,
                narrows: () => true,
                choices: () => [],
                choose: (detail: object) => detail,
              },
            },
          }),
        ),
      ).not.toThrow();
      expect(resolveOAuthConfig(valid()).authorizationDetailsTypes).toEqual({});
    });

    it.each([
      ['a list', ['payment_initiation'], 'authorizationDetailsTypes', /must be an object/],
      [
        'no validate',
        { p: { describe: type.describe } },
        'authorizationDetailsTypes.p.validate',
        /function/,
      ],
      [
        'no describe',
        { p: { validate: type.validate } },
        'authorizationDetailsTypes.p.describe',
        /function/,
      ],
      [
        'a string reusable',
        { p: { ...type, reusable: 'yes' } },
        'authorizationDetailsTypes.p.reusable',
        /true or false/,
      ],
      [
        'a misspelt member',
        { p: { ...type, reuseable: true } },
        'authorizationDetailsTypes.p.reuseable',
        /is not known/,
      ],
      [
        'choices without choose',
        { p: { ...type, choices: () => [] } },
        'authorizationDetailsTypes.p',
        /both choices and choose/,
      ],
      [
        'narrows not a function',
        { p: { ...type, narrows: true } },
        'authorizationDetailsTypes.p.narrows',
        /must be a function/,
      ],
      ['an empty type name', { '': type }, 'authorizationDetailsTypes', /invalid type name/],
    ])('refuses %s at start-up', (_name, types, option, message) => {
      expectRejected(valid({ authorizationDetailsTypes: types }), option, message);
    });
  });

  describe('grantTypes', () => {
    it('rejects an unknown grant name and lists the known ones', () => {
      expectRejected(
        valid({ grantTypes: ['client_credentials', 'implicit' as never] }),
        'grantTypes',
        /unknown grant "implicit".*authorization_code, client_credentials, refresh_token, password/,
      );
    });

    it('accepts a custom grant identified by an absolute URI', () => {
      expect(() =>
        validateOAuthOptions(
          valid({
            grantTypes: ['client_credentials', 'urn:ietf:params:oauth:grant-type:token-exchange'],
          }),
        ),
      ).not.toThrow();
    });

    it.each([[[]], ['client_credentials']])(
      'rejects an empty or non-array list (%p)',
      (grantTypes) => {
        expectRejected(valid({ grantTypes }), 'grantTypes', /must be a non-empty array/);
      },
    );

    it('requires resourceOwner for the code flow (also by default)', () => {
      expectRejected(
        valid({ resourceOwner: undefined }),
        'resourceOwner',
        /required for the authorization_code grant/,
      );
      expectRejected(
        valid({ grantTypes: ['authorization_code'], resourceOwner: undefined }),
        'resourceOwner',
        /required for the authorization_code grant/,
      );
    });

    it('requires interaction.loginUrl for the code flow', () => {
      expectRejected(
        valid({ interaction: undefined }),
        'interaction.loginUrl',
        /required for the authorization_code grant/,
      );
      expectRejected(valid({ interaction: { ttl: 60 } }), 'interaction.loginUrl', /required/);
    });

    const DEVICE = 'urn:ietf:params:oauth:grant-type:device_code';

    it('needs resourceOwner and a sign-in page for the device grant', () => {
      expectRejected(
        valid({ grantTypes: [DEVICE], resourceOwner: undefined }),
        'resourceOwner',
        /required for the urn:ietf:params:oauth:grant-type:device_code grant/,
      );
      expectRejected(
        valid({ grantTypes: [DEVICE], interaction: undefined }),
        'interaction.loginUrl',
        /required for the urn:ietf:params:oauth:grant-type:device_code grant/,
      );
      expect(() => validateOAuthOptions(valid({ grantTypes: [DEVICE] }))).not.toThrow();
    });

    it('needs resourceOwner.verifyPassword for the opt-in password grant, but no sign-in page', () => {
      expectRejected(
        valid({ grantTypes: ['password'] }),
        'resourceOwner',
        /needs a verifyPassword\(username, password\) method/,
      );
      const withPasswords = { ...resourceOwner, verifyPassword: () => null };
      expect(() =>
        validateOAuthOptions(
          valid({ grantTypes: ['password'], resourceOwner: withPasswords, interaction: undefined }),
        ),
      ).not.toThrow();
    });

    it('leaves the device and password grants off by default', () => {
      expect(resolveOAuthConfig(valid()).grantTypes).toEqual([
        'authorization_code',
        'client_credentials',
        'refresh_token',
      ]);
    });
  });

  describe('deviceFlow and passwordGrant', () => {
    it.each([
      ['deviceFlow.ttl', { deviceFlow: { ttl: 0 } }, /positive whole number of seconds/],
      [
        'deviceFlow.interval',
        { deviceFlow: { interval: 1.5 } },
        /positive whole number of seconds/,
      ],
      ['deviceFlow.maxUserCodeFailures', { deviceFlow: { maxUserCodeFailures: -1 } }, /positive/],
      [
        'passwordGrant.maxFailuresPerUser',
        { passwordGrant: { maxFailuresPerUser: 0 } },
        /positive/,
      ],
      [
        'passwordGrant.maxFailuresPerClient',
        { passwordGrant: { maxFailuresPerClient: '9' } },
        /positive/,
      ],
      [
        'deviceFlow.verificationUri',
        { deviceFlow: { verificationUri: '//evil.example' } },
        /a path on the issuer/,
      ],
    ])('rejects a bad %s', (option, overrides, message) => {
      expectRejected(valid(overrides), option, message);
    });

    it('merges over the defaults', () => {
      const config = resolveOAuthConfig(valid({ deviceFlow: { interval: 2 } }));
      expect(config.deviceFlow).toEqual({ ttl: 600, interval: 2, maxUserCodeFailures: 10 });
      expect(config.passwordGrant).toEqual({ maxFailuresPerUser: 5, maxFailuresPerClient: 50 });
    });
  });

  describe('acr (authentication levels)', () => {
    const scopes = {
      'accounts:read': { description: 'Read your accounts' },
      'payments:write': { description: 'Initiate payments', userOnly: true },
    };

    it('accepts ordered levels and a level per userOnly scope', () => {
      const options = valid({
        scopes,
        acr: { levels: ['low', 'substantial'], scopes: { 'payments:write': 'substantial' } },
      });
      expect(() => validateOAuthOptions(options)).not.toThrow();
      expect(resolveOAuthConfig(options).acr).toEqual({
        levels: ['low', 'substantial'],
        scopes: { 'payments:write': 'substantial' },
        authorizationDetailsTypes: {},
      });
    });

    it('defaults to no levels', () => {
      expect(resolveOAuthConfig(valid()).acr).toEqual({
        levels: [],
        scopes: {},
        authorizationDetailsTypes: {},
      });
    });

    it.each([
      ['acr.levels', { acr: { levels: [] } }, /non-empty array of levels, weakest first/],
      ['acr.levels', { acr: { levels: 'low substantial' } }, /non-empty array/],
      ['acr.levels', { acr: { levels: ['low', 'not ok'] } }, /invalid level "not ok"/],
      ['acr.levels', { acr: { levels: ['say"hi"'] } }, /without spaces, quotes/],
      ['acr.levels', { acr: { levels: ['low', 'low'] } }, /names a level twice/],
      ['acr.scopes', { acr: { levels: ['low'], scopes: ['low'] } }, /object of scope -> level/],
      [
        'acr.scopes.payments:write',
        { acr: { levels: ['low'], scopes: { 'payments:write': 'substantial' } } },
        /not in acr.levels \(low\)/,
      ],
      [
        'acr.scopes.unknown:scope',
        { acr: { levels: ['low'], scopes: { 'unknown:scope': 'low' } } },
        /not one of the scopes/,
      ],
      [
        'scopes.accounts:read',
        { acr: { levels: ['low'], scopes: { 'accounts:read': 'low' } } },
        /needs userOnly: true/,
      ],
      ['acr.levelz', { acr: { levels: ['low'], levelz: [] } }, /did you mean "acr.levels"/],
      [
        'acr.authorizationDetailsTypes',
        { acr: { levels: ['low'], authorizationDetailsTypes: ['low'] } },
        /object of authorization details type -> level/,
      ],
      [
        'acr.authorizationDetailsTypes.payment_initiation',
        { acr: { levels: ['low'], authorizationDetailsTypes: { payment_initiation: 'low' } } },
        /not one of the types in `authorizationDetailsTypes`/,
      ],
      [
        'acr.authorizationDetailsTypes.payment_initiation',
        {
          authorizationDetailsTypes: { payment_initiation: { validate() {}, describe: () => '' } },
          acr: { levels: ['low'], authorizationDetailsTypes: { payment_initiation: 'high' } },
        },
        /not in acr.levels \(low\)/,
      ],
    ])('rejects a bad %s', (option, overrides, message) => {
      expectRejected(valid({ scopes, ...overrides }), option, message);
    });
  });

  describe('logout', () => {
    const endSession = () => undefined;
    it.each([
      ['logout.enabled', { logout: { enabled: 'yes' } }, /true or false/],
      ['logout.confirm', { logout: { confirm: 1 } }, /true or false/],
      ['logout.revokeTokens', { logout: { revokeTokens: 'all' } }, /"online", "none"/],
      ['logout.backchannelTimeout', { logout: { backchannelTimeout: 0 } }, /from 1 to 30/],
      ['logout.backchannelTimeout', { logout: { backchannelTimeout: 1.5 } }, /from 1 to 30/],
      ['logout.backchannelRetries', { logout: { backchannelRetries: 6 } }, /from 0 to 5/],
      ['logout.enabled', { logout: { enabled: true } }, /resourceOwner\.endSession/],
      [
        'logout.enabled',
        {
          logout: { enabled: true },
          grantTypes: ['client_credentials'],
          resourceOwner: { ...resourceOwner, endSession },
        },
        /authorization_code/,
      ],
      ['logout.confrim', { logout: { confrim: true } }, /did you mean "logout.confirm"/],
    ])('rejects a bad %s', (option, overrides, message) => {
      expectRejected(valid(overrides), option, message);
    });

    it('is off by default, and merges over the defaults when on', () => {
      expect(resolveOAuthConfig(valid()).logout).toEqual({
        enabled: false,
        confirm: true,
        revokeTokens: 'online',
        backchannelTimeout: 5,
        backchannelRetries: 3,
      });
      const options = valid({
        logout: { enabled: true, backchannelRetries: 0 },
        resourceOwner: { ...resourceOwner, endSession },
      });
      expect(() => validateOAuthOptions(options)).not.toThrow();
      expect(resolveOAuthConfig(options).logout).toMatchObject({
        enabled: true,
        backchannelRetries: 0,
      });
    });
  });

  describe('durations', () => {
    const ttls: [string, (value: unknown) => OAuthModuleOptions][] = [
      ['accessTokenTtl', (v) => valid({ accessTokenTtl: v })],
      ['refreshTokenTtl', (v) => valid({ refreshTokenTtl: v })],
      ['authorizationCodeTtl', (v) => valid({ authorizationCodeTtl: v })],
      ['idTokenTtl', (v) => valid({ idTokenTtl: v })],
      ['interaction.ttl', (v) => valid({ interaction: { loginUrl: '/login', ttl: v } })],
      ['cleanup.interval', (v) => valid({ cleanup: { interval: v } })],
    ];
    const bad = [-1, 0, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '60'];

    describe.each(ttls)('%s', (option, build) => {
      it.each(bad)('rejects %p', (value) => {
        expectRejected(build(value), option, /must be a positive whole number of seconds/);
      });

      it('accepts a positive whole number', () => {
        expect(() => validateOAuthOptions(build(120))).not.toThrow();
      });
    });

    it.each([-1, 1.5, 301, Number.NaN, '5'])(
      'rejects the refreshTokenReuseInterval %p',
      (value) => {
        expectRejected(
          valid({ refreshTokenReuseInterval: value }),
          'refreshTokenReuseInterval',
          /whole number of seconds from 0 \(off\) to 300/,
        );
      },
    );

    it.each([0, 5, 300])('accepts the refreshTokenReuseInterval %p', (value) => {
      expect(() => validateOAuthOptions(valid({ refreshTokenReuseInterval: value }))).not.toThrow();
    });

    it('rejects a negative clock tolerance but accepts 0', () => {
      expectRejected(
        valid({ resourceServer: { clockTolerance: -1 } }),
        'resourceServer.clockTolerance',
        /0 or more/,
      );
      expect(() =>
        validateOAuthOptions(valid({ resourceServer: { clockTolerance: 0 } })),
      ).not.toThrow();
    });

    it('rejects an unknown refreshTokenRotation', () => {
      expectRejected(
        valid({ refreshTokenRotation: 'sometimes' as never }),
        'refreshTokenRotation',
        /always/,
      );
    });

    it.each([-1, 1.5, '10'])('rejects the verifiedTokenCacheSize %p', (value) => {
      expectRejected(
        valid({ resourceServer: { verifiedTokenCacheSize: value as number } }),
        'resourceServer.verifiedTokenCacheSize',
        /whole number/,
      );
    });
  });

  it('rejects an unknown accessTokenFormat', () => {
    expectRejected(
      valid({ accessTokenFormat: 'JWT' }),
      'accessTokenFormat',
      /must be one of "jwt", "opaque", not "JWT"/,
    );
  });

  it.each([['https://api.example.com/payments#x'], ['/payments'], [42]])(
    'rejects the resource indicator %p',
    (resource) => {
      expectRejected(
        valid({ resources: [resource] }),
        'resources',
        /absolute URIs without fragment/,
      );
    },
  );

  it('rejects an unknown revocationCheck', () => {
    expectRejected(
      valid({ resourceServer: { revocationCheck: 'lazy' } }),
      'resourceServer.revocationCheck',
      /must be one of "strict", "stateless"/,
    );
  });

  it.each(['allowQueryToken', 'allowBodyToken'])(
    'rejects a non-boolean resourceServer.%s',
    (name) => {
      expectRejected(
        valid({ resourceServer: { [name]: 'yes' } }),
        `resourceServer.${name}`,
        /true or false/,
      );
    },
  );

  describe('dpop', () => {
    it.each([
      [{ algorithms: ['HS256'] }, 'dpop.algorithms', /unknown value "HS256"/],
      [{ algorithms: [] }, 'dpop.algorithms', /at least one/],
      [{ proofLifetime: 0 }, 'dpop.proofLifetime', /1 to 300/],
      [{ proofLifetime: 301 }, 'dpop.proofLifetime', /1 to 300/],
      [{ enabled: 'yes' }, 'dpop.enabled', /true or false/],
      [{ nonces: true }, 'dpop.nonceSecret', /at least 32 characters/],
      [{ nonces: true, nonceSecret: 'short' }, 'dpop.nonceSecret', /at least 32 characters/],
      [{ nonce: true }, 'dpop.nonce', /did you mean "dpop.nonces"/],
    ])('rejects %p', (dpop, option, message) => {
      expectRejected(valid({ dpop }), option, message);
    });

    it('defaults to DPoP on, without nonces, with the RFC 9449 asymmetric algorithms', () => {
      expect(resolveOAuthConfig(valid()).dpop).toEqual({
        enabled: true,
        required: false,
        algorithms: ['ES256', 'PS256', 'EdDSA', 'Ed25519', 'RS256'],
        proofLifetime: 60,
        nonces: false,
      });
      expect(() =>
        validateOAuthOptions(valid({ dpop: { nonces: true, nonceSecret: 'x'.repeat(32) } })),
      ).not.toThrow();
    });
  });

  describe('keys', () => {
    it('rejects an unknown algorithm', () => {
      expectRejected(
        valid({ keys: { algorithms: ['HS256'] } }),
        'keys.algorithms',
        /unknown value "HS256"/,
      );
    });

    it('rejects an empty algorithm list', () => {
      expectRejected(valid({ keys: { algorithms: [] } }), 'keys.algorithms', /at least one/);
    });

    it('accepts host keys with kid, alg and private parts', () => {
      expect(() => validateOAuthOptions(valid({ keys: { jwks: [privateJwk()] } }))).not.toThrow();
    });

    it.each([
      ['without kid', { kid: undefined }],
      ['without alg', { alg: undefined }],
      ['with an unknown alg', { alg: 'HS256' }],
    ])('rejects a host key %s', (_label, change) => {
      expectRejected(
        valid({ keys: { jwks: [{ ...privateJwk(), ...change }] } }),
        'keys.jwks',
        /needs "kid" and an "alg"/,
      );
    });

    it('rejects a public-only host key', () => {
      const publicOnly = privateJwk();
      delete publicOnly.d;
      expectRejected(
        valid({ keys: { jwks: [publicOnly] } }),
        'keys.jwks',
        /"host-key-1" is not a private key/,
      );
    });

    it('rejects an algorithm that no host key has', () => {
      expectRejected(
        valid({ keys: { algorithms: ['RS256'], jwks: [privateJwk()] } }),
        'keys.algorithms',
        /lists RS256, but keys.jwks has no RS256 key/,
      );
      expect(() =>
        validateOAuthOptions(valid({ keys: { algorithms: ['ES256'], jwks: [privateJwk()] } })),
      ).not.toThrow();
    });

    it('rejects an empty jwks list', () => {
      expectRejected(valid({ keys: { jwks: [] } }), 'keys.jwks', /non-empty array/);
    });
  });

  describe('keys.encryptionKeys', () => {
    const kek = (id: string) => ({ id, key: randomBytes(32).toString('base64') });

    it('accepts KEKs of 32 bytes in base64 or base64url', () => {
      const url = { id: 'url', key: randomBytes(32).toString('base64url') };
      expect(() =>
        validateOAuthOptions(valid({ keys: { encryptionKeys: [kek('2025-06'), url] } })),
      ).not.toThrow();
    });

    it('rejects an empty list', () => {
      expectRejected(
        valid({ keys: { encryptionKeys: [] } }),
        'keys.encryptionKeys',
        /non-empty array of \{ id, key \}/,
      );
    });

    it.each([
      ['16 bytes', randomBytes(16).toString('base64')],
      ['33 bytes', randomBytes(33).toString('base64')],
      ['not base64', '!'.repeat(44)],
      ['hex', randomBytes(32).toString('hex')],
      ['a number', 42],
    ])('rejects a key of %s', (_label, key) => {
      expectRejected(
        valid({ keys: { encryptionKeys: [kek('a'), { id: 'b', key }] } }),
        'keys.encryptionKeys[1].key',
        /\(id "b"\) must be exactly 32 bytes in base64/,
      );
    });

    it('rejects a repeated or missing id', () => {
      expectRejected(
        valid({ keys: { encryptionKeys: [kek('a'), kek('a')] } }),
        'keys.encryptionKeys[1].id',
        /repeats the id "a"/,
      );
      expectRejected(
        valid({ keys: { encryptionKeys: [{ key: kek('x').key }] } }),
        'keys.encryptionKeys[0].id',
        /printable characters/,
      );
    });

    it('rejects encryption keys next to host-supplied keys or a signer', () => {
      expectRejected(
        valid({ keys: { encryptionKeys: [kek('a')], jwks: [privateJwk()] } }),
        'keys.encryptionKeys',
        /never stored/,
      );
      expectRejected(
        valid({ keys: { encryptionKeys: [kek('a')], signer } }),
        'keys.encryptionKeys',
        /the signer holds the private keys/,
      );
    });
  });

  describe('keys.signer', () => {
    it('accepts an object with keys() and sign()', () => {
      expect(() =>
        validateOAuthOptions(valid({ keys: { signer, algorithms: ['ES256'] } })),
      ).not.toThrow();
    });

    it('rejects a signer without its methods, or next to keys.jwks', () => {
      expectRejected(
        valid({ keys: { signer: { keys: signer.keys } } }),
        'keys.signer',
        /keys\(\) and sign\(kid, alg, signingInput\)/,
      );
      expectRejected(
        valid({ keys: { signer, jwks: [privateJwk()] } }),
        'keys.signer',
        /exclude each other/,
      );
    });
  });

  it('rejects an unknown token endpoint auth method', () => {
    expectRejected(
      valid({ tokenEndpointAuthMethods: ['client_secret_basic', 'client_secret_jwt'] }),
      'tokenEndpointAuthMethods',
      /unknown value "client_secret_jwt"/,
    );
  });

  describe('registration', () => {
    it('requires an initial access token when enabled', () => {
      expectRejected(
        valid({ registration: { enabled: true } }),
        'registration.initialAccessToken',
        /at least 16 characters when registration is enabled/,
      );
    });

    it('rejects a short initial access token', () => {
      expectRejected(
        valid({ registration: { enabled: true, initialAccessToken: 'too-short' } }),
        'registration.initialAccessToken',
        /at least 16 characters/,
      );
    });

    it('accepts a long initial access token, and no token when disabled', () => {
      expect(() =>
        validateOAuthOptions(
          valid({ registration: { enabled: true, initialAccessToken: 'x'.repeat(16) } }),
        ),
      ).not.toThrow();
      expect(() => validateOAuthOptions(valid({ registration: { enabled: false } }))).not.toThrow();
    });
  });
});

describe('resolveOAuthConfig', () => {
  it('applies the defaults from OAUTH_DEFAULTS', () => {
    const config = resolveOAuthConfig(valid());
    expect(config).toMatchObject({
      issuer: 'https://auth.example.com',
      grantTypes: ['authorization_code', 'client_credentials', 'refresh_token'],
      accessTokenTtl: 3600,
      accessTokenFormat: 'jwt',
      accessTokenAudience: 'https://auth.example.com',
      resources: [],
      refreshTokenTtl: 30 * 24 * 3600,
      refreshTokenReuseInterval: 5,
      authorizationCodeTtl: 60,
      idTokenTtl: 3600,
      keys: { algorithms: ['RS256'] },
      tokenEndpointAuthMethods: [
        'client_secret_basic',
        'client_secret_post',
        'private_key_jwt',
        'none',
      ],
      pkce: { requiredForConfidentialClients: true, allowPlain: false },
      registration: { enabled: false },
      resourceServer: {
        revocationCheck: 'strict',
        allowQueryToken: false,
        realm: 'https://auth.example.com',
        clockTolerance: 5,
      },
      introspectionResourceServers: [],
      interaction: { loginUrl: '/login', ttl: 600 },
      cleanup: { enabled: true, interval: 3600 },
    });
    expect(config.accessTokenTtl).toBe(OAUTH_DEFAULTS.accessTokenTtl);
  });

  it('removes trailing slashes from the issuer, also in the defaults derived from it', () => {
    const config = resolveOAuthConfig(valid({ issuer: 'https://auth.example.com/tenant-a//' }));
    expect(config.issuer).toBe('https://auth.example.com/tenant-a');
    expect(config.accessTokenAudience).toBe('https://auth.example.com/tenant-a');
    expect(config.resourceServer.realm).toBe('https://auth.example.com/tenant-a');
  });

  it('keeps what the host set, merging nested groups over the defaults', () => {
    const config = resolveOAuthConfig(
      valid({
        accessTokenTtl: 300,
        accessTokenAudience: 'https://api.example.com',
        pkce: { allowPlain: true },
        interaction: { loginUrl: '/login', ttl: 120 },
        cleanup: { enabled: false },
      }),
    );
    expect(config.accessTokenTtl).toBe(300);
    expect(config.accessTokenAudience).toBe('https://api.example.com');
    expect(config.pkce).toEqual({ requiredForConfidentialClients: true, allowPlain: true });
    expect(config.interaction).toEqual({ loginUrl: '/login', ttl: 120 });
    expect(config.cleanup).toEqual({ enabled: false, interval: 3600 });
  });

  it('treats nested options set to undefined as unset (e.g. values read from an unset env variable)', () => {
    const config = resolveOAuthConfig(
      valid({
        keys: { algorithms: undefined },
        pkce: { allowPlain: undefined },
        interaction: { loginUrl: '/login', ttl: undefined },
        cleanup: { interval: undefined },
        resourceServer: { clockTolerance: undefined, realm: undefined },
      }),
    );
    expect(config.keys.algorithms).toEqual(['RS256']);
    expect(config.pkce.allowPlain).toBe(false);
    expect(config.interaction.ttl).toBe(600);
    expect(config.cleanup.interval).toBe(3600);
    expect(config.resourceServer.clockTolerance).toBe(5);
    expect(config.resourceServer.realm).toBe('https://auth.example.com');
  });

  it('signs with the algorithms of host-supplied keys when keys.algorithms is not set', () => {
    const config = resolveOAuthConfig(valid({ keys: { jwks: [privateJwk()] } }));
    expect(config.keys.algorithms).toEqual(['ES256']);
  });

  it('does not share arrays with OAUTH_DEFAULTS', () => {
    const config = resolveOAuthConfig(valid());
    config.grantTypes.push('mutated');
    config.keys.algorithms.push('ES256');
    expect(resolveOAuthConfig(valid()).grantTypes).toEqual([
      'authorization_code',
      'client_credentials',
      'refresh_token',
    ]);
    expect(OAUTH_DEFAULTS.keys.algorithms).toEqual(['RS256']);
  });
});

describe('unknown options', () => {
  it.each([
    [{ acessTokenTtl: 60 }, 'acessTokenTtl', 'did you mean "accessTokenTtl"?'],
    [
      { resourceServer: { revocationChek: 'strict' } },
      'resourceServer.revocationChek',
      'did you mean "resourceServer.revocationCheck"?',
    ],
    [
      { interaction: { loginUrl: '/login', loginURL: '/x' } },
      'interaction.loginURL',
      'did you mean "interaction.loginUrl"?',
    ],
    [
      { refreshTokenReuseIntervall: 5 },
      'refreshTokenReuseIntervall',
      'did you mean "refreshTokenReuseInterval"?',
    ],
    [{ somethingElse: true }, 'somethingElse', 'is not an option.'],
  ])('stops start-up on %j, naming the key and the option meant', (overrides, option, hint) => {
    const error = errorOf(valid(overrides as Partial<Record<keyof OAuthModuleOptions, unknown>>));
    expect(error.option).toBe(option);
    expect(error.message).toContain(hint);
  });

  it('accepts every documented option, nested ones included', () => {
    expect(() =>
      validateOAuthOptions(
        valid({
          keys: { algorithms: ['RS256'] },
          pkce: { requiredForConfidentialClients: true, allowPlain: false },
          registration: { enabled: false },
          resourceServer: { revocationCheck: 'strict', allowQueryToken: false, clockTolerance: 5 },
          cleanup: { enabled: true, interval: 60 },
          pushedAuthorizationRequests: { required: false, ttl: 90 },
          refreshTokenReuseInterval: 0,
        }),
      ),
    ).not.toThrow();
  });
});

describe('pushedAuthorizationRequests', () => {
  it.each([0, 600, 1.5, -1, '60'])('rejects the ttl %p (whole seconds, under 600)', (ttl) => {
    expectRejected(
      valid({ pushedAuthorizationRequests: { ttl } }),
      'pushedAuthorizationRequests.ttl',
      /whole number of seconds from 1 to 599/,
    );
  });

  it('rejects a required flag that is not a boolean', () => {
    expectRejected(
      valid({ pushedAuthorizationRequests: { required: 'yes' } }),
      'pushedAuthorizationRequests.required',
      /true or false/,
    );
  });

  it('defaults to optional, 60 seconds, redirect_uri optional; keeps what the host set', () => {
    expect(resolveOAuthConfig(valid()).pushedAuthorizationRequests).toEqual({
      required: false,
      ttl: 60,
      redirectUriRequired: false,
    });
    const config = resolveOAuthConfig(
      valid({ pushedAuthorizationRequests: { required: true, ttl: 599 } }),
    );
    expect(config.pushedAuthorizationRequests).toEqual({
      required: true,
      ttl: 599,
      redirectUriRequired: false,
    });
  });

  it('has no redirectUriRequired option: the FAPI 2.0 profile sets it', () => {
    expect(
      errorOf(valid({ pushedAuthorizationRequests: { redirectUriRequired: true } })).option,
    ).toBe('pushedAuthorizationRequests.redirectUriRequired');
  });
});
