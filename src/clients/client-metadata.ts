import type { JSONWebKeySet } from 'jose';
import { excerpt, hasControlCharacters } from '../common/text';
import { InvalidClientMetadataError } from '../errors/oauth-server.error';
import type { OAuthConfig } from '../options/oauth-config';
import { DEVICE_CODE_GRANT } from '../options/grant-types';
import type { ClientType } from '../storage/entities/oauth-client.entity';
import { backchannelLogoutUriProblem, clientUriProblem, redirectUriProblem } from './redirect-uri';
import { ID_LENGTH, URL_LENGTH } from '../storage/columns';

/** What an application registers with: our product's "name, website, redirect URIs, which APIs". */
export interface ClientRegistration {
  name: string;
  website?: string | null;
  redirectUris?: string[];
  /** Default: `['authorization_code']` (RFC 7591 §2). */
  grantTypes?: string[];
  /** "Which APIs": the scopes the client may ask for. Default: every scope of the server. */
  scopes?: string[];
  /**
   * Default: `client_secret_basic` (RFC 7591 §2). `none` makes a public client (no secret),
   * e.g. a native or single-page app.
   */
  tokenEndpointAuthMethod?: string;
  /** Public keys for `private_key_jwt`. */
  jwks?: JSONWebKeySet | null;
  /** Trusted first-party app (may skip consent when allowed). Default: false. */
  firstParty?: boolean;
  /**
   * Only pushed authorization requests (RFC 9126) are accepted for this client: a plain request
   * to the authorization endpoint is refused. Default: false.
   */
  requirePushedAuthorizationRequests?: boolean;
  /** Who manages this client, e.g. a developer portal user id. */
  owner?: string | null;
  /**
   * RFC 9449 §5.2 `dpop_bound_access_tokens`: every token request must carry a DPoP proof, so
   * the client only ever gets DPoP-bound tokens. Default: false.
   */
  dpopBoundAccessTokens?: boolean;
  /**
   * OpenID Connect RP-Initiated Logout §3.1 `post_logout_redirect_uris`: where the end-session
   * endpoint may send the browser after a logout (exact match), under the redirect URI rules.
   * Default: none.
   */
  postLogoutRedirectUris?: string[];
  /**
   * OpenID Connect Back-Channel Logout §2.2 `backchannel_logout_uri`: where logout tokens are
   * POSTed when a user of this client signs out; https (http on loopback addresses only).
   * Default: none (the client is not told).
   */
  backchannelLogoutUri?: string | null;
  /**
   * RFC 9396 §10 `authorization_details_types`: the types this client may request. Default:
   * null, every type of the server (`authorizationDetailsTypes`).
   */
  authorizationDetailsTypes?: string[] | null;
}

/** Validated, defaults applied: what gets stored. */
export interface ValidClientMetadata {
  name: string;
  website: string | null;
  redirectUris: string[];
  grantTypes: string[];
  scopes: string[];
  tokenEndpointAuthMethod: string;
  /** `public` clients (token_endpoint_auth_method `none`) hold no secret. */
  clientType: ClientType;
  /** Public keys for `private_key_jwt` (RFC 7523). */
  jwks: JSONWebKeySet | null;
  /** Trusted first-party apps may skip consent. */
  firstParty: boolean;
  /** Authorization requests must be pushed (RFC 9126) first. */
  requirePushedAuthorizationRequests: boolean;
  /** Who manages the client (e.g. the developer portal user); free-form. */
  owner: string | null;
  /** Token requests must carry a DPoP proof (RFC 9449 §5.2). */
  dpopBoundAccessTokens: boolean;
  /** Where the end-session endpoint may redirect after a logout (exact match). */
  postLogoutRedirectUris: string[];
  /** Where logout tokens are POSTed, or null. */
  backchannelLogoutUri: string | null;
  /** RFC 9396 types the client may request; null: every type of the server. */
  authorizationDetailsTypes: string[] | null;
}

/**
 * Checks a registration against the server's configuration. Errors are RFC 7591 §3.2.2 errors
 * (`invalid_redirect_uri`, `invalid_client_metadata`) so DCR, the CLI and the service agree.
 */
export function validateClientMetadata(
  input: ClientRegistration,
  config: OAuthConfig,
): ValidClientMetadata {
  const bad = invalidMetadata;
  if (!input || typeof input !== 'object') throw bad('client metadata must be an object');
  const name = input.name;
  if (
    typeof name !== 'string' ||
    name.trim().length === 0 ||
    name.length > 200 ||
    hasControlCharacters(name)
  ) {
    throw bad('client_name is required (1 to 200 characters, no control characters)');
  }
  const website = input.website ?? null;
  if (website !== null) {
    if (typeof website !== 'string') throw bad('client_uri must be an http(s) URL');
    // Column sizes: refuse here rather than fail in the database (PostgreSQL enforces them).
    if (website.length > URL_LENGTH) {
      throw bad(`client_uri may not be longer than ${URL_LENGTH} characters`);
    }
    const problem = clientUriProblem(website);
    if (problem) throw bad(problem);
  }
  const owner = input.owner ?? null;
  if (
    owner !== null &&
    (typeof owner !== 'string' || owner.length > ID_LENGTH || hasControlCharacters(owner))
  ) {
    throw bad(`owner must be a string of at most ${ID_LENGTH} characters`);
  }

  const tokenEndpointAuthMethod = input.tokenEndpointAuthMethod ?? 'client_secret_basic';
  if (!config.tokenEndpointAuthMethods.includes(tokenEndpointAuthMethod as never)) {
    throw bad(
      `token_endpoint_auth_method must be one of ${config.tokenEndpointAuthMethods.join(', ')}`,
    );
  }
  const clientType: ClientType = tokenEndpointAuthMethod === 'none' ? 'public' : 'confidential';

  const grantTypes = stringList(input.grantTypes ?? ['authorization_code'], 'grant_types');
  if (grantTypes.length === 0) throw bad('grant_types may not be empty');
  for (const grant of grantTypes) {
    if (!config.grantTypes.includes(grant)) {
      throw bad(
        `grant_types: ${excerpt(grant)} is not enabled on this server (${config.grantTypes.join(', ')})`,
      );
    }
  }
  if (grantTypes.includes('client_credentials') && clientType === 'public') {
    throw bad(
      'client_credentials needs a confidential client: a public client cannot keep a secret',
    );
  }
  if (
    grantTypes.includes('refresh_token') &&
    !grantTypes.some((grant) => REFRESHABLE_GRANTS.includes(grant))
  ) {
    throw bad(
      'refresh_token is only issued with authorization_code, the device code or password grant (client credentials tokens get none)',
    );
  }
  // Set by the host only: Dynamic Client Registration never passes firstParty.
  if (grantTypes.includes('password') && input.firstParty !== true) {
    throw bad('the password grant is only for first-party clients');
  }

  const redirectUris = stringList(input.redirectUris ?? [], 'redirect_uris');
  if (grantTypes.includes('authorization_code') && redirectUris.length === 0) {
    throw invalidRedirectUri('redirect_uris is required for the authorization_code grant');
  }
  for (const uri of redirectUris) {
    const problem = redirectUriProblem(uri, clientType);
    if (problem) throw invalidRedirectUri(problem);
  }

  const scopes = stringList(input.scopes ?? Object.keys(config.scopes), 'scope');
  for (const scope of scopes) {
    if (!Object.hasOwn(config.scopes, scope))
      throw bad(`scope ${excerpt(scope)} is not offered by this server`);
  }

  const requirePar = input.requirePushedAuthorizationRequests;
  if (requirePar !== undefined && typeof requirePar !== 'boolean') {
    throw bad('require_pushed_authorization_requests must be true or false');
  }

  const jwks = input.jwks ?? null;
  if (
    jwks !== null &&
    !(
      typeof jwks === 'object' &&
      Array.isArray(jwks.keys) &&
      jwks.keys.length > 0 &&
      jwks.keys.every((key) => typeof key === 'object' && key !== null && !Array.isArray(key))
    )
  ) {
    throw bad('jwks must be a JWK Set with at least one key');
  }
  if (jwks?.keys.some((key) => 'd' in key || 'k' in key))
    throw bad('jwks must hold public keys only');
  if (tokenEndpointAuthMethod === 'private_key_jwt' && !jwks) {
    throw bad('private_key_jwt needs the client\'s public keys in "jwks"');
  }

  const dpopBound = input.dpopBoundAccessTokens ?? false;
  if (typeof dpopBound !== 'boolean') throw bad('dpop_bound_access_tokens must be true or false');
  if (dpopBound && !config.dpop.enabled)
    throw bad('dpop_bound_access_tokens needs DPoP, which this server has turned off');

  const postLogoutRedirectUris = stringList(
    input.postLogoutRedirectUris ?? [],
    'post_logout_redirect_uris',
  );
  for (const uri of postLogoutRedirectUris) {
    const problem = redirectUriProblem(uri, clientType, 'a post-logout redirect URI');
    if (problem) throw invalidRedirectUri(`post_logout_redirect_uris: ${problem}`);
  }
  const backchannelLogoutUri = input.backchannelLogoutUri ?? null;
  if (backchannelLogoutUri !== null) {
    const problem = backchannelLogoutUriProblem(backchannelLogoutUri, config.issuer);
    if (problem) throw bad(problem);
  }

  const detailTypes =
    input.authorizationDetailsTypes === undefined || input.authorizationDetailsTypes === null
      ? null
      : stringList(input.authorizationDetailsTypes, 'authorization_details_types');
  for (const type of detailTypes ?? []) {
    if (!Object.hasOwn(config.authorizationDetailsTypes, type))
      throw bad(`authorization_details_types: ${excerpt(type)} is not supported by this server`);
  }

  return {
    name: name.trim(),
    website,
    redirectUris: [...new Set(redirectUris)],
    grantTypes: [...new Set(grantTypes)],
    scopes: [...new Set(scopes)],
    tokenEndpointAuthMethod,
    clientType,
    jwks,
    firstParty: input.firstParty === true,
    requirePushedAuthorizationRequests: requirePar === true,
    owner,
    dpopBoundAccessTokens: dpopBound,
    postLogoutRedirectUris: [...new Set(postLogoutRedirectUris)],
    backchannelLogoutUri,
    authorizationDetailsTypes: detailTypes ? [...new Set(detailTypes)] : null,
  };
}

function stringList(value: unknown, field: string): string[] {
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) {
    throw invalidMetadata(`${field} must be a list of strings`);
  }
  return value;
}

/** The user grants whose tokens may come with a refresh token. */
const REFRESHABLE_GRANTS = ['authorization_code', DEVICE_CODE_GRANT, 'password'];

const invalidMetadata = (description: string) => new InvalidClientMetadataError(description);
const invalidRedirectUri = (description: string) =>
  new InvalidClientMetadataError(description, 'invalid_redirect_uri');
