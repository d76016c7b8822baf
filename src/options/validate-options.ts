import { fapi2Conflicts } from './fapi2-profile';
import { SCOPE_TOKEN } from '../common/scope';
import { hasControlCharacters } from '../common/text';
import { isAbsoluteUri } from '../common/uri';
import { SIGNING_ALGORITHMS } from '../keys/jws';
import { decodeKek } from '../keys/key-encryption';
import { isResourceIndicator } from '../grants/resource-indicator';
import { findUnknownOption } from './known-options';
import { OAuthConfigurationError } from './oauth-configuration.error';
import type {
  DpopAlgorithm,
  OAuthModuleOptions,
  TokenEndpointAuthMethod,
} from './oauth-module-options.interface';

import { DEFAULT_GRANT_TYPES, DEVICE_CODE_GRANT, USER_GRANT_TYPES } from './grant-types';

export const BUILT_IN_GRANT_TYPES = [...DEFAULT_GRANT_TYPES, 'password'];
export const TOKEN_ENDPOINT_AUTH_METHODS: TokenEndpointAuthMethod[] = [
  'client_secret_basic',
  'client_secret_post',
  'private_key_jwt',
  'none',
];

const fail = (option: string, problem: string): never => {
  throw new OAuthConfigurationError(option, problem);
};

/** Checks the host's options once, at start-up; throws `OAuthConfigurationError` on the first problem. */
export function validateOAuthOptions(options: OAuthModuleOptions | undefined): void {
  if (!options || typeof options !== 'object') {
    fail('options', 'is missing: pass { issuer, dataSource, scopes } to OAuthModule.forRoot().');
  }
  const o = options as OAuthModuleOptions;
  const unknown = findUnknownOption(o);
  if (unknown) {
    fail(
      unknown.path,
      `is not an option${unknown.suggestion ? `: did you mean "${unknown.suggestion}"?` : '.'}`,
    );
  }
  validateIssuer(o.issuer);
  oneOf('profile', o.profile, ['fapi2']);
  if (o.profile === 'fapi2') {
    const [first] = fapi2Conflicts(o);
    if (first) fail(first.option, `contradicts profile 'fapi2': ${first.rule}`);
  }
  if (!o.dataSource || typeof o.dataSource !== 'object') {
    fail('dataSource', 'is missing: pass your TypeORM DataSource or DataSourceOptions.');
  }
  validateScopes(o.scopes);
  validateAuthorizationDetailsTypes(o.authorizationDetailsTypes);
  validateGrantTypes(o);
  for (const name of [
    'accessTokenTtl',
    'refreshTokenTtl',
    'authorizationCodeTtl',
    'idTokenTtl',
  ] as const) {
    positiveSeconds(name, o[name]);
  }
  positiveSeconds('interaction.ttl', o.interaction?.ttl);
  validateOptInGrants(o);
  const reuse = o.refreshTokenReuseInterval;
  if (
    reuse !== undefined &&
    (typeof reuse !== 'number' || !Number.isInteger(reuse) || reuse < 0 || reuse > 300)
  ) {
    fail(
      'refreshTokenReuseInterval',
      `must be a whole number of seconds from 0 (off) to 300, not ${JSON.stringify(reuse)}.`,
    );
  }
  positiveSeconds('cleanup.interval', o.cleanup?.interval);
  validatePushedAuthorizationRequests(o);
  validateLogout(o);
  if (o.resourceServer?.clockTolerance !== undefined && !(o.resourceServer.clockTolerance >= 0)) {
    fail('resourceServer.clockTolerance', 'must be 0 or more seconds.');
  }
  const cacheSize = o.resourceServer?.verifiedTokenCacheSize;
  if (cacheSize !== undefined && !(Number.isInteger(cacheSize) && cacheSize >= 0)) {
    fail('resourceServer.verifiedTokenCacheSize', 'must be a whole number, 0 or more.');
  }
  for (const name of ['allowQueryToken', 'allowBodyToken'] as const) {
    const value = o.resourceServer?.[name];
    if (value !== undefined && typeof value !== 'boolean') {
      fail(`resourceServer.${name}`, 'must be true or false.');
    }
  }
  oneOf('accessTokenFormat', o.accessTokenFormat, ['jwt', 'opaque']);
  oneOf('refreshTokenRotation', o.refreshTokenRotation, ['always', 'public-clients', 'never']);
  oneOf('resourceServer.revocationCheck', o.resourceServer?.revocationCheck, [
    'strict',
    'stateless',
  ]);
  validateKeys(o);
  validateDpop(o);
  if (
    o.resources !== undefined &&
    (!Array.isArray(o.resources) || !o.resources.every(isResourceIndicator))
  ) {
    fail(
      'resources',
      'must be an array of absolute URIs without fragment, e.g. ["https://api.example.com/payments"].',
    );
  }
  listOf('tokenEndpointAuthMethods', o.tokenEndpointAuthMethods, TOKEN_ENDPOINT_AUTH_METHODS);
  if (o.registration?.enabled) {
    const token = o.registration.initialAccessToken;
    if (typeof token !== 'string' || token.length < 16) {
      fail(
        'registration.initialAccessToken',
        'must be a secret of at least 16 characters when registration is enabled (open registration is not offered).',
      );
    }
  }
  validateAcr(o);
  if (
    o.introspectionResourceServers !== undefined &&
    !Array.isArray(o.introspectionResourceServers)
  ) {
    fail('introspectionResourceServers', 'must be an array of client ids.');
  }
}

function validateIssuer(issuer: unknown): void {
  if (typeof issuer !== 'string' || issuer.length === 0) {
    fail(
      'issuer',
      'is missing: set it to the absolute https URL of your server, e.g. "https://auth.example.com".',
    );
  }
  let url: URL;
  try {
    url = new URL(issuer as string);
  } catch {
    return fail(
      'issuer',
      `must be an absolute URL such as "https://auth.example.com", not "${issuer}".`,
    );
  }
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    fail('issuer', `must use https (http is accepted only for localhost), not "${issuer}".`);
  }
  // URL drops an empty "?" or "#", so look at the string: either still makes a query or fragment.
  if (url.search || url.hash || /[?#]/.test(issuer as string)) {
    fail('issuer', `must not have a query or fragment (RFC 8414 §2): "${issuer}".`);
  }
}

function validateScopes(scopes: unknown): void {
  if (!scopes || typeof scopes !== 'object' || Array.isArray(scopes)) {
    fail(
      'scopes',
      "must be an object of scope name -> { description }, e.g. { 'accounts:read': { description: 'Read your accounts' } }.",
    );
  }
  for (const [name, definition] of Object.entries(scopes as object)) {
    if (!SCOPE_TOKEN.test(name)) {
      fail(
        'scopes',
        `has an invalid scope name "${name}": scope names may not contain spaces, quotes or backslashes (RFC 6749 §3.3).`,
      );
    }
    if (!definition || typeof definition.description !== 'string') {
      fail(`scopes.${name}`, 'needs a description (shown on the consent page).');
    }
  }
}

const DETAIL_TYPE_MEMBERS = ['validate', 'describe', 'reusable', 'narrows', 'choices', 'choose'];

/** RFC 9396 types: each with a validator and a description for the consent page. */
function validateAuthorizationDetailsTypes(types: unknown): void {
  if (types === undefined) return;
  if (!types || typeof types !== 'object' || Array.isArray(types)) {
    fail(
      'authorizationDetailsTypes',
      "must be an object of type name -> { validate, describe }, e.g. { payment_initiation: { validate: (detail) => ..., describe: (detail) => 'Pay ...' } }.",
    );
  }
  for (const [name, definition] of Object.entries(types as object)) {
    const option = `authorizationDetailsTypes.${name}`;
    if (name.length === 0 || name.length > 255 || hasControlCharacters(name)) {
      fail('authorizationDetailsTypes', `has an invalid type name ${JSON.stringify(name)}.`);
    }
    if (!definition || typeof definition !== 'object') {
      fail(option, 'must be an object with validate and describe functions.');
    }
    const d = definition as Record<string, unknown>;
    const unknown = Object.keys(d).find((key) => !DETAIL_TYPE_MEMBERS.includes(key));
    if (unknown) fail(`${option}.${unknown}`, `is not known (${DETAIL_TYPE_MEMBERS.join(', ')}).`);
    if (typeof d.validate !== 'function')
      fail(`${option}.validate`, 'must be a function returning nothing or what is wrong.');
    if (typeof d.describe !== 'function')
      fail(`${option}.describe`, 'must be a function returning the consent page sentence.');
    if (d.reusable !== undefined && typeof d.reusable !== 'boolean')
      fail(`${option}.reusable`, 'must be true or false.');
    for (const hook of ['narrows', 'choices', 'choose']) {
      if (d[hook] !== undefined && typeof d[hook] !== 'function')
        fail(`${option}.${hook}`, 'must be a function.');
    }
    if ((d.choices === undefined) !== (d.choose === undefined))
      fail(option, 'needs both choices and choose, or neither.');
  }
}

function validateGrantTypes(o: OAuthModuleOptions): void {
  if (o.grantTypes === undefined) return requireUserSide(o, DEFAULT_GRANT_TYPES);
  if (!Array.isArray(o.grantTypes) || o.grantTypes.length === 0) {
    fail('grantTypes', `must be a non-empty array, e.g. ${JSON.stringify(DEFAULT_GRANT_TYPES)}.`);
  }
  for (const grant of o.grantTypes) {
    // RFC 6749 §4.5: extension grants are identified by absolute URIs.
    if (!BUILT_IN_GRANT_TYPES.includes(grant) && !isAbsoluteUri(grant)) {
      fail(
        'grantTypes',
        `has an unknown grant "${grant}": use one of ${BUILT_IN_GRANT_TYPES.join(', ')} or an absolute URI for a custom grant.`,
      );
    }
  }
  requireUserSide(o, o.grantTypes);
}

function requireUserSide(o: OAuthModuleOptions, grants: string[]): void {
  const userGrant = grants.find((grant) => USER_GRANT_TYPES.includes(grant));
  if (!userGrant) return;
  if (!o.resourceOwner) {
    fail(
      'resourceOwner',
      `is required for the ${userGrant} grant: pass a service implementing ResourceOwnerProvider (or remove ${userGrant} from grantTypes).`,
    );
  }
  if (grants.includes('password') && typeof o.resourceOwner?.verifyPassword !== 'function') {
    fail(
      'resourceOwner',
      'needs a verifyPassword(username, password) method for the password grant (or remove password from grantTypes).',
    );
  }
  // The browser grants send the user to the host's sign-in page.
  const browserGrant = grants.find((g) => g === 'authorization_code' || g === DEVICE_CODE_GRANT);
  if (browserGrant && !o.interaction?.loginUrl) {
    fail(
      'interaction.loginUrl',
      `is required for the ${browserGrant} grant: set it to your sign-in page, e.g. "/login".`,
    );
  }
}

/** `deviceFlow` and `passwordGrant`: checked whether or not their grant is enabled. */
function validateOptInGrants(o: OAuthModuleOptions): void {
  positiveSeconds('deviceFlow.ttl', o.deviceFlow?.ttl);
  positiveSeconds('deviceFlow.interval', o.deviceFlow?.interval);
  positiveCount('deviceFlow.maxUserCodeFailures', o.deviceFlow?.maxUserCodeFailures);
  positiveCount('passwordGrant.maxFailuresPerUser', o.passwordGrant?.maxFailuresPerUser);
  positiveCount('passwordGrant.maxFailuresPerClient', o.passwordGrant?.maxFailuresPerClient);
  const page = o.deviceFlow?.verificationUri;
  if (page !== undefined && (typeof page !== 'string' || !/^(https?:\/\/|\/(?!\/))/.test(page))) {
    fail(
      'deviceFlow.verificationUri',
      'must be a path on the issuer (e.g. "/device") or an absolute http(s) URL.',
    );
  }
}

function validateKeys(o: OAuthModuleOptions): void {
  const algorithms = o.keys?.algorithms;
  listOf('keys.algorithms', algorithms, SIGNING_ALGORITHMS);
  if (algorithms && algorithms.length === 0)
    fail('keys.algorithms', 'must list at least one algorithm.');
  validateEncryptionKeys(o);
  validateSigner(o);
  const jwks = o.keys?.jwks;
  if (jwks === undefined) return;
  if (!Array.isArray(jwks) || jwks.length === 0)
    fail('keys.jwks', 'must be a non-empty array of private JWKs.');
  for (const jwk of jwks!) {
    if (!jwk.kid || !jwk.alg || !SIGNING_ALGORITHMS.includes(jwk.alg)) {
      fail(
        'keys.jwks',
        `needs "kid" and an "alg" of ${SIGNING_ALGORITHMS.join(', ')} on every key.`,
      );
    }
    if (!jwk.d)
      fail(
        'keys.jwks',
        `key "${jwk.kid}" is not a private key (no "d"): the server signs with it.`,
      );
  }
  for (const alg of algorithms ?? []) {
    if (!jwks!.some((jwk) => jwk.alg === alg)) {
      fail(
        'keys.algorithms',
        `lists ${alg}, but keys.jwks has no ${alg} key: add one or leave keys.algorithms unset.`,
      );
    }
  }
}

/** RFC 9449 proofs are verified with the key they carry: asymmetric algorithms only. */
export const DPOP_ALGORITHMS: DpopAlgorithm[] = [
  'ES256',
  'ES384',
  'ES512',
  'PS256',
  'PS384',
  'PS512',
  'RS256',
  'RS384',
  'RS512',
  'EdDSA',
  'Ed25519',
];

function validateDpop(o: OAuthModuleOptions): void {
  const dpop = o.dpop;
  if (dpop === undefined) return;
  for (const name of ['enabled', 'required', 'nonces'] as const) {
    if (dpop[name] !== undefined && typeof dpop[name] !== 'boolean')
      fail(`dpop.${name}`, 'must be true or false.');
  }
  listOf('dpop.algorithms', dpop.algorithms, DPOP_ALGORITHMS);
  if (dpop.algorithms?.length === 0)
    fail('dpop.algorithms', 'must list at least one algorithm (or set dpop.enabled to false).');
  wholeNumberIn('dpop.proofLifetime', dpop.proofLifetime, 1, 300, 'seconds');
  if (dpop.nonces && dpop.enabled !== false) {
    if (typeof dpop.nonceSecret !== 'string' || dpop.nonceSecret.length < 32) {
      fail(
        'dpop.nonceSecret',
        'must be a secret of at least 32 characters, the same on every instance, when dpop.nonces is true (e.g. openssl rand -base64 32).',
      );
    }
  }
}

function validateEncryptionKeys(o: OAuthModuleOptions): void {
  const keks = o.keys?.encryptionKeys;
  if (keks === undefined) return;
  if (!Array.isArray(keks) || keks.length === 0) {
    fail(
      'keys.encryptionKeys',
      'must be a non-empty array of { id, key }, key being 32 random bytes in base64 (openssl rand -base64 32).',
    );
  }
  const ids = new Set<string>();
  for (const [index, kek] of keks.entries()) {
    const id: unknown = kek?.id;
    if (typeof id !== 'string' || !/^[\x21-\x7e]{1,64}$/.test(id)) {
      fail(
        `keys.encryptionKeys[${index}].id`,
        'must be 1 to 64 printable characters without spaces, e.g. "2025-06".',
      );
    }
    if (ids.has(id as string)) {
      fail(`keys.encryptionKeys[${index}].id`, `repeats the id "${id}": ids must be unique.`);
    }
    ids.add(id as string);
    if (!decodeKek(kek.key)) {
      fail(
        `keys.encryptionKeys[${index}].key`,
        `(id "${id}") must be exactly 32 bytes in base64 (44 characters), e.g. from openssl rand -base64 32.`,
      );
    }
  }
  if (o.keys?.jwks !== undefined) {
    fail(
      'keys.encryptionKeys',
      'has nothing to encrypt with keys.jwks: host-supplied keys are never stored. Remove one of them.',
    );
  }
}

function validateSigner(o: OAuthModuleOptions): void {
  const signer = o.keys?.signer;
  if (signer === undefined) return;
  if (
    !signer ||
    typeof signer !== 'object' ||
    typeof signer.keys !== 'function' ||
    typeof signer.sign !== 'function'
  ) {
    fail('keys.signer', 'must be an object with keys() and sign(kid, alg, signingInput) methods.');
  }
  if (o.keys?.jwks !== undefined) {
    fail('keys.signer', 'and keys.jwks exclude each other: the signer holds the keys.');
  }
  if (o.keys?.encryptionKeys !== undefined) {
    fail(
      'keys.encryptionKeys',
      'has nothing to encrypt with keys.signer: the signer holds the private keys. Remove it.',
    );
  }
}

/** An acr value: printable ASCII without spaces, quotes or backslashes (it goes into challenges). */
const ACR_VALUE = /^[\x21\x23-\x5b\x5d-\x7e]{1,255}$/;

function validateAcr(o: OAuthModuleOptions): void {
  const acr = o.acr;
  if (acr === undefined) return;
  if (!acr || typeof acr !== 'object' || !Array.isArray(acr.levels) || acr.levels.length === 0) {
    fail(
      'acr.levels',
      "must be a non-empty array of levels, weakest first, e.g. ['low', 'substantial', 'high'].",
    );
  }
  const levels = acr.levels;
  for (const level of levels) {
    if (typeof level !== 'string' || !ACR_VALUE.test(level)) {
      fail(
        'acr.levels',
        `has an invalid level ${JSON.stringify(level)}: levels are 1 to 255 printable characters without spaces, quotes or backslashes.`,
      );
    }
  }
  if (new Set(levels).size !== levels.length) fail('acr.levels', 'names a level twice.');
  validateAcrDetailTypes(o, levels);
  if (acr.scopes === undefined) return;
  if (!acr.scopes || typeof acr.scopes !== 'object' || Array.isArray(acr.scopes)) {
    fail(
      'acr.scopes',
      "must be an object of scope -> level, e.g. { 'payments:write': 'substantial' }.",
    );
  }
  for (const [scope, level] of Object.entries(acr.scopes)) {
    const definition = o.scopes?.[scope];
    if (!definition) fail(`acr.scopes.${scope}`, 'is not one of the scopes in `scopes`.');
    if (!levels.includes(level)) {
      fail(
        `acr.scopes.${scope}`,
        `names the level ${JSON.stringify(level)}, which is not in acr.levels (${levels.join(', ')}).`,
      );
    }
    // Only a user signs in: a client's own token (client_credentials) has no level to check.
    if (!definition.userOnly) {
      fail(
        `scopes.${scope}`,
        'needs userOnly: true, as acr.scopes requires a sign-in level for it (a client token has none).',
      );
    }
  }
}

/** `acr.authorizationDetailsTypes`: a declared RFC 9396 type -> a declared level. */
function validateAcrDetailTypes(o: OAuthModuleOptions, levels: string[]): void {
  const types = o.acr?.authorizationDetailsTypes;
  if (types === undefined) return;
  if (!types || typeof types !== 'object' || Array.isArray(types)) {
    fail(
      'acr.authorizationDetailsTypes',
      "must be an object of authorization details type -> level, e.g. { payment_initiation: 'substantial' }.",
    );
  }
  for (const [type, level] of Object.entries(types)) {
    if (!o.authorizationDetailsTypes || !Object.hasOwn(o.authorizationDetailsTypes, type)) {
      fail(
        `acr.authorizationDetailsTypes.${type}`,
        'is not one of the types in `authorizationDetailsTypes`.',
      );
    }
    if (!levels.includes(level)) {
      fail(
        `acr.authorizationDetailsTypes.${type}`,
        `names the level ${JSON.stringify(level)}, which is not in acr.levels (${levels.join(', ')}).`,
      );
    }
  }
}

function validatePushedAuthorizationRequests(o: OAuthModuleOptions): void {
  const par = o.pushedAuthorizationRequests;
  if (par?.required !== undefined && typeof par.required !== 'boolean') {
    fail('pushedAuthorizationRequests.required', 'must be true or false.');
  }
  // RFC 9126 §2.2 leaves it open; FAPI 2.0 §5.3.2.2 wants under 600 s, and nobody needs more.
  wholeNumberIn('pushedAuthorizationRequests.ttl', par?.ttl, 1, 599, 'seconds');
}

/** `logout`: RP-Initiated and Back-Channel Logout. */
function validateLogout(o: OAuthModuleOptions): void {
  const logout = o.logout;
  if (logout === undefined) return;
  if (!logout || typeof logout !== 'object') fail('logout', 'must be an object.');
  for (const name of ['enabled', 'confirm'] as const) {
    if (logout[name] !== undefined && typeof logout[name] !== 'boolean') {
      fail(`logout.${name}`, 'must be true or false.');
    }
  }
  oneOf('logout.revokeTokens', logout.revokeTokens, ['online', 'none']);
  wholeNumberIn('logout.backchannelTimeout', logout.backchannelTimeout, 1, 30, 'seconds');
  wholeNumberIn('logout.backchannelRetries', logout.backchannelRetries, 0, 5, 'retries');
  if (!logout.enabled) return;
  if (!(o.grantTypes ?? DEFAULT_GRANT_TYPES).includes('authorization_code')) {
    fail('logout.enabled', 'needs the authorization_code grant: users sign in through it.');
  }
  if (typeof o.resourceOwner?.endSession !== 'function') {
    fail(
      'logout.enabled',
      'needs resourceOwner.endSession(request, response, user): the module asks your app to end its session.',
    );
  }
}

function wholeNumberIn(
  option: string,
  value: unknown,
  min: number,
  max: number,
  unit: string,
): void {
  if (
    value !== undefined &&
    (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
  ) {
    fail(
      option,
      `must be a whole number of ${unit} from ${min} to ${max}, not ${JSON.stringify(value)}.`,
    );
  }
}

function positiveSeconds(option: string, value: unknown): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    fail(option, `must be a positive whole number of seconds, not ${JSON.stringify(value)}.`);
  }
}

function positiveCount(option: string, value: unknown): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    fail(option, `must be a positive whole number, not ${JSON.stringify(value)}.`);
  }
}

function oneOf(option: string, value: unknown, allowed: string[]): void {
  if (value !== undefined && !allowed.includes(value as string)) {
    fail(
      option,
      `must be one of ${allowed.map((a) => `"${a}"`).join(', ')}, not ${JSON.stringify(value)}.`,
    );
  }
}

function listOf(option: string, values: unknown, allowed: string[]): void {
  if (values === undefined) return;
  if (!Array.isArray(values)) fail(option, `must be an array drawn from ${allowed.join(', ')}.`);
  for (const value of values as unknown[]) {
    if (!allowed.includes(value as string)) {
      fail(option, `has an unknown value ${JSON.stringify(value)}: use ${allowed.join(', ')}.`);
    }
  }
}
