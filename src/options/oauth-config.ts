import { FAPI2_DEFAULTS, type SecurityProfile } from './fapi2-profile';
import type { DataSource, DataSourceOptions } from 'typeorm';
import type {
  DpopAlgorithm,
  ExternalSigner,
  KeyEncryptionKey,
  OAuthModuleOptions,
  ScopeDefinition,
  SigningAlgorithm,
  TokenEndpointAuthMethod,
  RefreshTokenRotation,
} from './oauth-module-options.interface';
import type { ResourceOwnerProvider } from './resource-owner-provider.interface';
import type { AuthorizationDetailType } from './authorization-detail-type';
import type { JWK } from 'jose';
import { DEFAULT_GRANT_TYPES } from './grant-types';
import { TOKEN_ENDPOINT_AUTH_METHODS } from './validate-options';

/** The options after defaults are merged once: what every service reads. */
export interface OAuthConfig {
  issuer: string;
  dataSource: DataSource | DataSourceOptions;
  scopes: Record<string, ScopeDefinition>;
  /** RFC 9396 types by name; empty when none. */
  authorizationDetailsTypes: Record<string, AuthorizationDetailType>;
  grantTypes: string[];
  resourceOwner?: ResourceOwnerProvider;
  accessTokenTtl: number;
  accessTokenFormat: 'jwt' | 'opaque';
  accessTokenAudience: string;
  resources: string[];
  refreshTokenTtl: number;
  refreshTokenReuseInterval: number;
  refreshTokenRotation: RefreshTokenRotation;
  authorizationCodeTtl: number;
  idTokenTtl: number;
  keys: {
    algorithms: SigningAlgorithm[];
    jwks?: JWK[];
    encryptionKeys?: KeyEncryptionKey[];
    signer?: ExternalSigner;
  };
  tokenEndpointAuthMethods: TokenEndpointAuthMethod[];
  validateTokenRequest?: OAuthModuleOptions['validateTokenRequest'];
  pkce: { requiredForConfidentialClients: boolean; allowPlain: boolean };
  registration: { enabled: boolean; initialAccessToken?: string };
  pushedAuthorizationRequests: {
    required: boolean;
    ttl: number;
    /**
     * Refuse a pushed request without `redirect_uri`, even when the client registered only one
     * (FAPI 2.0 §5.3.2.2). Not an option: the FAPI 2.0 profile sets it.
     */
    redirectUriRequired: boolean;
  };
  resourceServer: {
    revocationCheck: 'strict' | 'stateless';
    allowQueryToken: boolean;
    allowBodyToken: boolean;
    realm: string;
    clockTolerance: number;
    verifiedTokenCacheSize: number;
  };
  /** The security profile in force (`profile`), if any. */
  profile?: SecurityProfile;
  dpop: {
    enabled: boolean;
    required: boolean;
    algorithms: DpopAlgorithm[];
    proofLifetime: number;
    nonces: boolean;
    nonceSecret?: string;
  };
  introspectionResourceServers: string[];
  /** Authentication levels, weakest first, and the level each scope needs (see AcrLevels). */
  acr: {
    levels: string[];
    scopes: Record<string, string>;
    authorizationDetailsTypes: Record<string, string>;
  };
  interaction: { loginUrl?: string; consentUrl?: string; ttl: number };
  deviceFlow: {
    ttl: number;
    interval: number;
    verificationUri?: string;
    maxUserCodeFailures: number;
  };
  passwordGrant: { maxFailuresPerUser: number; maxFailuresPerClient: number };
  logout: {
    enabled: boolean;
    confirm: boolean;
    revokeTokens: 'online' | 'none';
    backchannelTimeout: number;
    backchannelRetries: number;
  };
  cleanup: { enabled: boolean; interval: number };
}

/** The one place defaults live. */
export const OAUTH_DEFAULTS = {
  grantTypes: DEFAULT_GRANT_TYPES,
  accessTokenTtl: 3600,
  accessTokenFormat: 'jwt',
  resources: [],
  refreshTokenTtl: 30 * 24 * 3600,
  refreshTokenReuseInterval: 5,
  refreshTokenRotation: 'always',
  authorizationCodeTtl: 60,
  idTokenTtl: 3600,
  keys: { algorithms: ['RS256'] },
  tokenEndpointAuthMethods: TOKEN_ENDPOINT_AUTH_METHODS,
  pkce: { requiredForConfidentialClients: true, allowPlain: false },
  registration: { enabled: false },
  pushedAuthorizationRequests: { required: false, ttl: 60, redirectUriRequired: false },
  resourceServer: {
    revocationCheck: 'strict',
    allowQueryToken: false,
    allowBodyToken: false,
    clockTolerance: 5,
    verifiedTokenCacheSize: 10_000,
  },
  dpop: {
    enabled: true,
    required: false,
    algorithms: ['ES256', 'PS256', 'EdDSA', 'Ed25519', 'RS256'],
    proofLifetime: 60,
    nonces: false,
  },
  introspectionResourceServers: [],
  acr: { levels: [], scopes: {}, authorizationDetailsTypes: {} },
  interaction: { ttl: 600 },
  deviceFlow: { ttl: 600, interval: 5, maxUserCodeFailures: 10 },
  passwordGrant: { maxFailuresPerUser: 5, maxFailuresPerClient: 50 },
  logout: {
    enabled: false,
    confirm: true,
    revokeTokens: 'online',
    backchannelTimeout: 5,
    backchannelRetries: 3,
  },
  cleanup: { enabled: true, interval: 3600 },
} as const satisfies Partial<Record<keyof OAuthConfig, unknown>>;

/** Merges the host's options over the defaults. Nested groups merge one level deep. */
export function resolveOAuthConfig(host: OAuthModuleOptions): OAuthConfig {
  const options = host.profile === 'fapi2' ? withFapi2Defaults(host) : host;
  const issuer = options.issuer.replace(/\/+$/, '');
  const d = OAUTH_DEFAULTS;
  return {
    issuer,
    dataSource: options.dataSource,
    scopes: options.scopes,
    authorizationDetailsTypes: { ...options.authorizationDetailsTypes },
    resourceOwner: options.resourceOwner,
    grantTypes: options.grantTypes ?? [...d.grantTypes],
    accessTokenTtl: options.accessTokenTtl ?? d.accessTokenTtl,
    accessTokenFormat: options.accessTokenFormat ?? d.accessTokenFormat,
    accessTokenAudience: options.accessTokenAudience ?? issuer,
    resources: options.resources ?? [...d.resources],
    refreshTokenTtl: options.refreshTokenTtl ?? d.refreshTokenTtl,
    refreshTokenReuseInterval: options.refreshTokenReuseInterval ?? d.refreshTokenReuseInterval,
    refreshTokenRotation: options.refreshTokenRotation ?? d.refreshTokenRotation,
    authorizationCodeTtl: options.authorizationCodeTtl ?? d.authorizationCodeTtl,
    idTokenTtl: options.idTokenTtl ?? d.idTokenTtl,
    keys: {
      // Host-supplied keys sign with their own algorithms unless the host lists them.
      algorithms: options.keys?.jwks
        ? [...new Set(options.keys.jwks.map((jwk) => jwk.alg as SigningAlgorithm))]
        : [...d.keys.algorithms],
      ...definedOnly(options.keys),
    },
    tokenEndpointAuthMethods: options.tokenEndpointAuthMethods ?? [...d.tokenEndpointAuthMethods],
    validateTokenRequest: options.validateTokenRequest,
    pkce: { ...d.pkce, ...definedOnly(options.pkce) },
    registration: { ...d.registration, ...definedOnly(options.registration) },
    pushedAuthorizationRequests: {
      ...d.pushedAuthorizationRequests,
      ...definedOnly(options.pushedAuthorizationRequests),
    },
    resourceServer: { ...d.resourceServer, realm: issuer, ...definedOnly(options.resourceServer) },
    dpop: {
      ...d.dpop,
      algorithms: [...d.dpop.algorithms],
      ...definedOnly(options.dpop),
    },
    introspectionResourceServers: options.introspectionResourceServers ?? [
      ...d.introspectionResourceServers,
    ],
    acr: {
      levels: [...(options.acr?.levels ?? d.acr.levels)],
      scopes: { ...d.acr.scopes, ...options.acr?.scopes },
      authorizationDetailsTypes: {
        ...d.acr.authorizationDetailsTypes,
        ...options.acr?.authorizationDetailsTypes,
      },
    },
    interaction: { ...d.interaction, ...definedOnly(options.interaction) },
    deviceFlow: { ...d.deviceFlow, ...definedOnly(options.deviceFlow) },
    passwordGrant: { ...d.passwordGrant, ...definedOnly(options.passwordGrant) },
    logout: { ...d.logout, ...definedOnly(options.logout) },
    cleanup: { ...d.cleanup, ...definedOnly(options.cleanup) },
    ...(options.profile ? { profile: options.profile } : {}),
  };
}

/**
 * The host's options over FAPI 2.0's (`FAPI2_DEFAULTS`), plus what the profile alone sets:
 * `redirect_uri` required at PAR, DPoP required of every client. Conflicts were refused before.
 */
function withFapi2Defaults(options: OAuthModuleOptions): OAuthModuleOptions {
  const f = FAPI2_DEFAULTS;
  return {
    ...options,
    tokenEndpointAuthMethods: options.tokenEndpointAuthMethods ?? [...f.tokenEndpointAuthMethods],
    refreshTokenRotation: options.refreshTokenRotation ?? f.refreshTokenRotation,
    keys: options.keys?.jwks
      ? options.keys
      : { algorithms: [...f.keys.algorithms], ...definedOnly(options.keys) },
    pushedAuthorizationRequests: {
      ...f.pushedAuthorizationRequests,
      ...definedOnly(options.pushedAuthorizationRequests),
      redirectUriRequired: true,
    } as OAuthModuleOptions['pushedAuthorizationRequests'],
    dpop: { algorithms: [...f.dpop.algorithms], ...definedOnly(options.dpop), required: true },
  };
}

/** Drops members set to `undefined` (e.g. read from an unset env variable), so they keep their default. */
function definedOnly<T extends object>(group: T | undefined): Partial<T> {
  if (!group) return {};
  return Object.fromEntries(
    Object.entries(group).filter(([, value]) => value !== undefined),
  ) as Partial<T>;
}
