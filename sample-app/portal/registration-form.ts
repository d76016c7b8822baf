import type { JSONWebKeySet } from 'jose';
import type { ClientRegistration, ScopeDefinition } from '../oauth-server';

/** The portal's names for the scopes: "which APIs" in our product's words. */
const API_TITLES: Record<string, string> = {
  'accounts:read': 'Account Information',
  'payments:write': 'Payment Initiation',
  openid: 'Sign-in with OpenID Connect',
  profile: 'Profile',
  email: 'Email address',
  offline_access: 'Offline access',
};

/** One checkbox of the "APIs" fieldset. */
export interface ApiChoice {
  scope: string;
  title: string;
  /** The scope's description, as the consent page shows it to users. */
  description: string;
}

/** The scopes the server offers, as portal checkboxes: the known APIs first, in the order above. */
export function apiChoices(scopes: Record<string, ScopeDefinition>): ApiChoice[] {
  const known = Object.keys(API_TITLES).filter((scope) => Object.hasOwn(scopes, scope));
  const others = Object.keys(scopes).filter((scope) => !Object.hasOwn(API_TITLES, scope));
  return [...known, ...others].map((scope) => ({
    scope,
    title: Object.hasOwn(API_TITLES, scope) ? API_TITLES[scope] : scope,
    description: scopes[scope].description ?? '',
  }));
}

/**
 * `device`: a public client for the device flow (TV, CLI), which needs no redirect URI. `fapi`: a
 * confidential client under the FAPI 2.0 rules: private_key_jwt with its public keys, pushed
 * authorization requests and DPoP-bound tokens (docs/fapi.md).
 */
export type ClientTypeChoice = 'confidential' | 'public' | 'device' | 'fapi';
const CLIENT_TYPES: readonly ClientTypeChoice[] = ['confidential', 'public', 'device', 'fapi'];

/** What the user typed, kept to fill the form again after an error. */
export interface RegistrationFormValues {
  name: string;
  website: string;
  redirectUris: string;
  scopes: string[];
  clientType: ClientTypeChoice;
  /** OpenID Connect logout: where the browser may return after signing out, one per line. */
  postLogoutRedirectUris: string;
  /** OpenID Connect Back-Channel Logout: where logout tokens are POSTed. */
  backchannelLogoutUri: string;
  /** A FAPI application's public keys: a JWK Set (or one JWK) as JSON. */
  jwks: string;
}

export const EMPTY_REGISTRATION_FORM: RegistrationFormValues = {
  name: '',
  website: '',
  redirectUris: '',
  scopes: [],
  clientType: 'confidential',
  postLogoutRedirectUris: '',
  backchannelLogoutUri: '',
  jwks: '',
};

/** A form field an error points at (its input gets aria-invalid and the focus). */
export type RegistrationField =
  | 'name'
  | 'website'
  | 'redirectUris'
  | 'scopes'
  | 'clientType'
  | 'postLogoutRedirectUris'
  | 'backchannelLogoutUri'
  | 'jwks';

export interface FormError {
  message: string;
  field?: RegistrationField;
}

export const MAX_NAME_LENGTH = 200;
export const MAX_REDIRECT_URIS = 10;
const MAX_TEXT_LENGTH = 8192;

/**
 * Reads the registration form (application/x-www-form-urlencoded) into the values to show again
 * and, when they are complete, the registration for ClientService.register. Checks what the
 * portal can explain best itself; the service checks the rest (the website and redirect URI rules
 * of DCR and the CLI, scopes).
 */
export function readRegistrationForm(
  body: Record<string, unknown> | undefined,
  offered: string[],
  owner: string,
): { values: RegistrationFormValues; registration?: ClientRegistration; error?: FormError } {
  const text = (value: unknown) =>
    typeof value === 'string' ? value.slice(0, MAX_TEXT_LENGTH) : '';
  const rawScopes = body?.scope;
  const scopeList =
    typeof rawScopes === 'string' ? [rawScopes] : Array.isArray(rawScopes) ? rawScopes : [];
  const values: RegistrationFormValues = {
    name: text(body?.name).trim(),
    website: text(body?.website).trim(),
    redirectUris: text(body?.redirect_uris),
    scopes: [...new Set(scopeList.filter((s): s is string => typeof s === 'string'))],
    clientType: CLIENT_TYPES.includes(body?.client_type as ClientTypeChoice)
      ? (body!.client_type as ClientTypeChoice)
      : 'confidential',
    postLogoutRedirectUris: text(body?.post_logout_redirect_uris),
    backchannelLogoutUri: text(body?.backchannel_logout_uri).trim(),
    jwks: text(body?.jwks).trim(),
  };
  const fail = (message: string, field: RegistrationField) => ({
    values,
    error: { message, field },
  });

  if (!values.name) return fail('Enter a name for the application.', 'name');
  if (values.name.length > MAX_NAME_LENGTH) {
    return fail(`The name can be at most ${MAX_NAME_LENGTH} characters long.`, 'name');
  }
  const redirectUris = lines(values.redirectUris);
  const device = values.clientType === 'device';
  if (redirectUris.length === 0 && !device) {
    return fail('Enter at least one redirect URI, one per line.', 'redirectUris');
  }
  if (redirectUris.length > MAX_REDIRECT_URIS) {
    return fail(`Enter at most ${MAX_REDIRECT_URIS} redirect URIs.`, 'redirectUris');
  }
  if (values.scopes.length === 0) return fail('Select at least one API.', 'scopes');
  const unknown = values.scopes.find((scope) => !offered.includes(scope));
  if (unknown !== undefined) return fail(`"${unknown}" is not an API of this server.`, 'scopes');
  if (!CLIENT_TYPES.includes(body?.client_type as ClientTypeChoice)) {
    return fail(
      'Choose whether the application is confidential, public, a device or FAPI 2.0.',
      'clientType',
    );
  }
  if (device) {
    return { values, registration: deviceRegistration(values, redirectUris, owner) };
  }

  const postLogoutRedirectUris = lines(values.postLogoutRedirectUris);
  if (postLogoutRedirectUris.length > MAX_REDIRECT_URIS) {
    return fail(
      `Enter at most ${MAX_REDIRECT_URIS} sign-out return URIs.`,
      'postLogoutRedirectUris',
    );
  }
  const fapi = values.clientType === 'fapi';
  const jwks = fapi ? parseJwks(values.jwks) : undefined;
  if (typeof jwks === 'string') return fail(jwks, 'jwks');
  const confidential = values.clientType === 'confidential' || fapi;
  return {
    values,
    registration: {
      name: values.name,
      website: values.website || null,
      redirectUris,
      scopes: values.scopes,
      grantTypes: confidential
        ? ['authorization_code', 'refresh_token', 'client_credentials']
        : ['authorization_code', 'refresh_token'],
      tokenEndpointAuthMethod: fapi
        ? 'private_key_jwt'
        : confidential
          ? 'client_secret_basic'
          : 'none',
      ...(fapi
        ? { jwks, requirePushedAuthorizationRequests: true, dpopBoundAccessTokens: true }
        : {}),
      owner,
      postLogoutRedirectUris,
      backchannelLogoutUri: values.backchannelLogoutUri || null,
    },
  };
}

/**
 * The pasted public keys: a JWK Set `{ "keys": [...] }` or one JWK, as the CLI's --jwks-file
 * takes them; a sentence saying what is wrong otherwise. ClientService checks the keys.
 */
function parseJwks(text: string): JSONWebKeySet | string {
  if (!text) return 'Paste the public keys (a JWK Set) the application signs its requests with.';
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return 'The public keys are not JSON: paste a JWK Set such as {"keys": [...]}.';
  }
  if (value && typeof value === 'object' && 'kty' in value)
    return { keys: [value] } as JSONWebKeySet;
  return value as JSONWebKeySet;
}

/** The non-empty lines of a textarea, trimmed. */
function lines(text: string): string[] {
  return text
    .split(/\r\n|\r|\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
}

/** A device app (RFC 8628): public, no redirect URI needed, refresh tokens with offline_access. */
function deviceRegistration(
  values: RegistrationFormValues,
  redirectUris: string[],
  owner: string,
): ClientRegistration {
  return {
    name: values.name,
    website: values.website || null,
    redirectUris,
    scopes: values.scopes,
    grantTypes: [DEVICE_CODE_GRANT, 'refresh_token'],
    tokenEndpointAuthMethod: 'none',
    owner,
  };
}

const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
