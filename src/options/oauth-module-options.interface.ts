import type { SecurityProfile } from './fapi2-profile';
import type { JWK } from 'jose';
import type { DataSource, DataSourceOptions } from 'typeorm';
import type { ResourceOwnerProvider } from './resource-owner-provider.interface';
import type { AuthorizationDetailType } from './authorization-detail-type';

/** A scope the server knows: what the consent page shows and who may get it. */
export interface ScopeDefinition {
  /** Shown to the user on the consent page, e.g. "Read your account information". */
  description: string;
  /**
   * Only grants that act for a signed-in user may carry this scope (never client_credentials).
   * Default: false.
   */
  userOnly?: boolean;
  /**
   * Parameters a token request must carry when it asks for this scope, for APIs that need extra
   * attributes (e.g. `['consent_id']`). A request without them gets `invalid_request`. Default: none.
   */
  requiredTokenParameters?: string[];
}

/** What `validateTokenRequest` sees: the authenticated client and the scopes about to be granted. */
export interface TokenRequestCheck {
  grantType: string;
  clientId: string;
  /** The user, or null for client_credentials. */
  subject: string | null;
  scopes: string[];
  /** The form parameters of the request. */
  params: Record<string, string>;
}

/** Signing algorithms the key store can generate and use. */
export type SigningAlgorithm = 'RS256' | 'PS256' | 'ES256' | 'EdDSA';

/**
 * JWS algorithms a DPoP proof (RFC 9449) may be signed with: asymmetric only (a proof is
 * verified with the public key it carries). `Ed25519` is the fully-specified name of EdDSA
 * over Ed25519 (RFC 9864).
 */
export type DpopAlgorithm =
  | 'ES256'
  | 'ES384'
  | 'ES512'
  | 'PS256'
  | 'PS384'
  | 'PS512'
  | 'RS256'
  | 'RS384'
  | 'RS512'
  | 'EdDSA'
  | 'Ed25519';

/** A key-encryption key for `keys.encryptionKeys`. */
export interface KeyEncryptionKey {
  /** Names the KEK in every envelope it makes, e.g. `"2025-06"`. Unique; never secret. */
  id: string;
  /** 32 random bytes, base64 (or base64url) encoded: 44 characters with the `=`. Secret. */
  key: string;
}

/** A key held by an `ExternalSigner`: its public half, as published at the JWKS endpoint. */
export interface ExternalSignerKey {
  /** The key's id in the signer, put in the JWS header and the JWKS (e.g. a KMS key id or alias). */
  kid: string;
  /** The JWS algorithm the key signs with. */
  alg: SigningAlgorithm;
  /** Public JWK (private members are dropped if present). */
  publicJwk: JWK;
  /**
   * `active` keys sign (the first active one per algorithm); `retiring` keys are only published
   * and accepted, for tokens signed before a rotation. Default: `active`.
   */
  status?: 'active' | 'retiring';
}

/**
 * Signs for the module with keys it never sees (`keys.signer`), e.g. a cloud KMS or an HSM.
 * `keys()` is read at start-up, every minute and when a token names an unknown kid.
 */
export interface ExternalSigner {
  /** The keys the signer holds. */
  keys(): Promise<ExternalSignerKey[]>;
  /**
   * The JWS signature of `signingInput` (the ASCII bytes of `header.payload`, RFC 7515 §5.1) with
   * key `kid`: for RS256 and PS256 the RSA signature, for ES256 the 64-byte R||S form (not
   * DER), for EdDSA the 64-byte Ed25519 signature.
   */
  sign(kid: string, alg: SigningAlgorithm, signingInput: Uint8Array): Promise<Uint8Array>;
}

/** The grants built into the module. Hosts may add their own (see `@OAuthGrant`). */
export type BuiltInGrantType =
  | 'authorization_code'
  | 'client_credentials'
  | 'refresh_token'
  | 'urn:ietf:params:oauth:grant-type:device_code'
  | 'password';

/** Which refresh tokens rotate at every use (`refreshTokenRotation`). */
export type RefreshTokenRotation = 'always' | 'public-clients' | 'never';

export type TokenEndpointAuthMethod =
  'client_secret_basic' | 'client_secret_post' | 'private_key_jwt' | 'none';

/**
 * Options of `OAuthModule.forRoot` / `forRootAsync`. Every duration is in seconds.
 * Only `issuer`, `dataSource` and `scopes` are required; everything else has a strict default.
 */
/**
 * A grant type: one of the built-in ones, or a host grant's absolute URI (RFC 6749 §4.5), e.g.
 * `urn:ietf:params:oauth:grant-type:device_code`. Typed so that a misspelt built-in does not
 * compile.
 */
export type GrantType =
  | 'authorization_code'
  | 'client_credentials'
  | 'refresh_token'
  | 'password'
  | `${string}:${string}`;

export interface OAuthModuleOptions {
  /**
   * Issuer identifier (RFC 8414 §2): an absolute https URL without query or fragment
   * (http is accepted for localhost / 127.0.0.1 during development). Endpoints are served under it.
   */
  issuer: string;

  /**
   * Where clients, codes, tokens, consents and keys live. Pass the host's `DataSource`
   * (its entities must include `OAUTH_ENTITIES`, its migrations `OAUTH_MIGRATIONS`) or
   * `DataSourceOptions`, from which the module builds, migrates and owns a DataSource.
   */
  dataSource: DataSource | DataSourceOptions;

  /** The scopes this server issues, by name (RFC 6749 scope tokens: no spaces or quotes). */
  scopes: Record<string, ScopeDefinition>;

  /**
   * Rich Authorization Requests (RFC 9396): the `authorization_details` types this server
   * accepts, by type name, each with its validator and its consent page description (see
   * `AuthorizationDetailType` and docs/rar.md). A request naming another type is refused with
   * `invalid_authorization_details`. Default: none (`authorization_details` is refused).
   */
  authorizationDetailsTypes?: Record<string, AuthorizationDetailType>;

  /**
   * Grant types the token endpoint accepts. Custom grants registered with `@OAuthGrant`
   * must be listed here too, by their absolute URI. Opt-in built-ins: the device authorization
   * grant `urn:ietf:params:oauth:grant-type:device_code` (RFC 8628, see `deviceFlow`) and the
   * legacy `password` grant (see `passwordGrant`). Default:
   * `['authorization_code', 'client_credentials', 'refresh_token']`.
   */
  grantTypes?: GrantType[];

  /** The host's users: who is signed in, claims for id_token and userinfo. Needed for user grants. */
  resourceOwner?: ResourceOwnerProvider;

  /** Access token lifetime in seconds. Default: 3600 (1 hour). */
  accessTokenTtl?: number;

  /**
   * Access token format: `jwt` (RFC 9068, verifiable without a database call) or `opaque`
   * (a random string, verified by lookup). Default: `jwt`.
   */
  accessTokenFormat?: 'jwt' | 'opaque';

  /**
   * Audience (`aud`) of access tokens when the client does not ask for a resource (RFC 8707).
   * Default: the issuer.
   */
  accessTokenAudience?: string;

  /**
   * Resource indicators (RFC 8707) clients may ask for with the `resource` parameter, e.g.
   * `https://api.example.com/payments`; the token's `aud` is then that resource, so it is
   * refused by the other APIs. Absolute URIs without fragment. Default: none (every token is for
   * `accessTokenAudience`, which may always be requested).
   */
  resources?: string[];

  /**
   * Absolute lifetime of a refresh token family in seconds, counted from the first issue:
   * rotation never extends it, so a family cannot live forever. Default: 2592000 (30 days).
   */
  refreshTokenTtl?: number;

  /**
   * Retry window for a lost refresh response, in seconds. Refresh tokens rotate: a used one
   * presented again is taken as theft and revokes the whole authorization. When the response of
   * a rotation is lost (instance killed after storing it, dropped connection, load-balancer
   * timeout), the client's retry with the same token would log the user out. Within this many
   * seconds of the rotation, the same client may present the token once more, as long as the
   * token issued by that rotation has not been used: it gets a fresh pair, and the unused one it
   * never received is revoked. Anything else stays reuse. Whole seconds, 0 to 300; `0` turns the
   * window off (strict reuse detection). Default: 5.
   */
  refreshTokenReuseInterval?: number;

  /**
   * Which refresh tokens rotate (a new one at every use, reuse detected, RFC 9700 §4.14.2):
   * `always`; `public-clients` (confidential clients keep their refresh token: it is bound to
   * their authentication, and FAPI 2.0 forbids rotation outside extraordinary circumstances);
   * `never`. A refresh that does not rotate answers without `refresh_token` (the client keeps
   * its own) and never extends the family's lifetime. Default: `always`.
   */
  refreshTokenRotation?: RefreshTokenRotation;

  /** Authorization code lifetime in seconds. Default: 60. */
  authorizationCodeTtl?: number;

  /** id_token lifetime in seconds. Default: 3600. */
  idTokenTtl?: number;

  /** Signing keys. Default: one RS256 key generated on first start and stored in the database. */
  keys?: {
    /**
     * Algorithms to hold a key for; the first one signs access tokens, RS256 (if listed)
     * signs id_tokens. Default: `['RS256']`.
     */
    algorithms?: SigningAlgorithm[];
    /**
     * Host-supplied private JWKs (each with `kid` and `alg`). When given, the module uses these
     * and never generates or stores keys itself. Default: none.
     */
    jwks?: JWK[];
    /**
     * Key-encryption keys (KEKs) for the private keys the module stores: each `{ id, key }`
     * with `key` 32 random bytes in base64 (`openssl rand -base64 32`). Stored keys are then
     * encrypted with AES-256-GCM under the first KEK; every listed KEK decrypts, so a KEK is
     * rotated by listing a new one first, running `SigningKeyService.reencrypt()` (or the CLI's
     * `keys reencrypt`), then dropping the old one. Keep them out of the database (environment,
     * secret manager). Default: none: private keys are stored in clear, with a start-up warning.
     */
    encryptionKeys?: KeyEncryptionKey[];
    /**
     * An external signer (a KMS or HSM) that holds the private keys and signs for the module,
     * which then stores no keys and never sees a private key; rotation happens in the signer.
     * `keys.algorithms` must name the algorithms it has active keys for. See docs/keys.md.
     * Default: none.
     */
    signer?: ExternalSigner;
  };

  /**
   * A hook run before tokens are issued, for rules of the host's own (per client or per scope).
   * Throw `OAuthException.invalidRequest(...)` (or another OAuthException) to refuse. Default: none.
   */
  validateTokenRequest?: (check: TokenRequestCheck) => void | Promise<void>;

  /** Client authentication methods the token endpoint accepts. Default: all four. */
  tokenEndpointAuthMethods?: TokenEndpointAuthMethod[];

  /** PKCE (RFC 7636). */
  pkce?: {
    /**
     * Require PKCE for confidential clients too (public clients always need it). Default: true,
     * as RFC 9700 §2.1.1 recommends.
     */
    requiredForConfidentialClients?: boolean;
    /** Accept `code_challenge_method=plain`. Default: false (S256 only). */
    allowPlain?: boolean;
  };

  /**
   * Pushed authorization requests (RFC 9126): a client posts its authorization request to
   * `/oauth/par` (authenticated, like at the token endpoint) and sends the browser to the
   * authorization endpoint with only `client_id` and the `request_uri` it got back. The endpoint
   * is served whenever the authorization code flow is on.
   */
  /**
   * `'fapi2'`: the FAPI 2.0 Security Profile (final). Sets what the profile requires where you
   * leave it unset (PAR required with `redirect_uri`, private_key_jwt only with the issuer as
   * `aud`, DPoP-bound access tokens for every client, PS256 keys, no refresh token rotation for
   * confidential clients, https redirect URIs) and refuses to start with an option that
   * contradicts it. Off by default. See docs/fapi.md.
   */
  profile?: SecurityProfile;

  pushedAuthorizationRequests?: {
    /**
     * Refuse authorization requests that were not pushed, for every client. A client can also be
     * registered to need them (`requirePushedAuthorizationRequests`). Default: false.
     */
    required?: boolean;
    /**
     * Lifetime of a `request_uri` in seconds: whole seconds, 1 to 599 (FAPI 2.0 wants less than
     * 600). Each `request_uri` is used once. Default: 60.
     */
    ttl?: number;
  };

  /** Dynamic Client Registration (RFC 7591 / 7592). Default: disabled. */
  registration?: {
    /** Serve the registration endpoint. Default: false. */
    enabled?: boolean;
    /**
     * The initial access token a caller must present as a bearer token to register a client.
     * Required when registration is enabled (open registration is not offered).
     */
    initialAccessToken?: string;
  };

  /** How host routes protected by `OAuthGuard` verify access tokens. */
  resourceServer?: {
    /**
     * `strict`: every request checks the token's row, so a revoked token stops at once.
     * `stateless`: trust the signature until expiry (faster, revocation waits for expiry).
     * Default: `strict`.
     */
    revocationCheck?: 'strict' | 'stateless';
    /**
     * Accept `?access_token=` (RFC 6750 §2.3, discouraged), on every bearer-protected route
     * (`OAuthGuard`, `AuthGuard('oauth-bearer')`, userinfo). Default: false.
     */
    allowQueryToken?: boolean;
    /**
     * Accept `access_token` in a form-encoded body of a non-GET request (RFC 6750 §2.2), on every
     * bearer-protected route. Default: false: the `Authorization: Bearer` header only; a token
     * elsewhere is 400 `invalid_request`.
     */
    allowBodyToken?: boolean;
    /** `realm` of the `WWW-Authenticate` challenge. Default: the issuer. */
    realm?: string;
    /** Clock tolerance for exp/nbf in seconds. Default: 5. */
    clockTolerance?: number;
    /**
     * How many verified JWT access tokens each app keeps in memory, so a token presented again
     * skips its signature check (the revocation check in `strict` mode is never skipped). The
     * oldest entry goes first; 0 turns the cache off. Bounds memory: about 1 KB per entry.
     * Default: 10000.
     */
    verifiedTokenCacheSize?: number;
  };

  /**
   * DPoP (RFC 9449): sender-constrained access tokens. A token request with a valid `DPoP`
   * proof gets `token_type: DPoP` and a token bound to the proof's key (`cnf.jkt`); the guard and
   * userinfo then accept it only as `Authorization: DPoP` with a proof of that key. Clients
   * without a proof keep getting Bearer tokens, unless registered with
   * `dpopBoundAccessTokens`. See docs/dpop.md.
   */
  dpop?: {
    /** Accept DPoP proofs and advertise `dpop_signing_alg_values_supported`. Default: true. */
    enabled?: boolean;
    /**
     * Every client must send a DPoP proof at the token endpoint (as if each were registered
     * with `dpopBoundAccessTokens`): no Bearer tokens at all. Default: false (true under
     * `profile: 'fapi2'`).
     */
    required?: boolean;
    /**
     * Algorithms a proof may use. Default: `['ES256', 'PS256', 'EdDSA', 'Ed25519', 'RS256']`
     * (FAPI 2.0 allows PS256, ES256 and EdDSA only: drop RS256 there).
     */
    algorithms?: DpopAlgorithm[];
    /**
     * How long after its `iat` a proof is accepted, in seconds (plus
     * `resourceServer.clockTolerance` either way). Its `jti` is remembered, in the database,
     * that long: a replay is refused on every instance. Whole seconds, 1 to 300. Default: 60.
     */
    proofLifetime?: number;
    /**
     * Require server-provided nonces (RFC 9449 §8 and §9): a proof without the current nonce is
     * refused with `use_dpop_nonce` and a `DPoP-Nonce` header to retry with. Nonces are
     * stateless (an HMAC of the time under `nonceSecret`), valid for about two minutes.
     * Default: false.
     */
    nonces?: boolean;
    /**
     * The secret nonces are derived from: at least 32 characters, the same on every instance
     * (otherwise a nonce from one instance is refused by the next). Required when `nonces` is
     * true. Keep it out of the code (environment, secret manager).
     */
    nonceSecret?: string;
  };

  /**
   * Authentication levels (OIDC `acr`) and the level each scope needs: step-up sign-in at the
   * authorization endpoint, RFC 9470 challenges at the guard. See docs/step-up.md.
   * Default: none (no levels; the host's `acr` is carried into tokens but never required).
   */
  acr?: {
    /**
     * The host's levels, weakest first, e.g. `['low', 'substantial', 'high']`: what
     * `SignedInUser.acr` reports and discovery advertises as `acr_values_supported`. A level
     * meets every requirement at or below it. Unique names without spaces or quotes.
     */
    levels: string[];
    /**
     * The level each scope needs, e.g. `{ 'payments:write': 'substantial' }`: a declared scope
     * marked `userOnly`, a declared level. An authorization for several scopes needs the
     * strongest of their levels; a route protected with `@Scopes` needs the same. Default: none.
     */
    scopes?: Record<string, string>;
    /**
     * The level each RFC 9396 authorization details type needs, e.g.
     * `{ payment_initiation: 'substantial' }`: a type of `authorizationDetailsTypes`, a declared
     * level. A request carrying a detail of the type needs that level like a scope's; a client
     * cannot get such a detail for itself (client_credentials). Default: none.
     */
    authorizationDetailsTypes?: Record<string, string>;
  };

  /** Client ids of resource servers allowed to introspect any client's tokens. Default: none. */
  introspectionResourceServers?: string[];

  /** Browser interaction (authorization endpoint). */
  interaction?: {
    /** The host's sign-in page; the module redirects there with `return_to`. Required for the code flow. */
    loginUrl?: string;
    /**
     * The host's own consent page. When unset, the module serves its default page. The host page
     * receives `interaction_id` and decides through `AuthorizationService`.
     */
    consentUrl?: string;
    /** Lifetime of a pending interaction in seconds. Default: 600. */
    ttl?: number;
  };

  /**
   * The device authorization grant (RFC 8628), used when `grantTypes` lists
   * `urn:ietf:params:oauth:grant-type:device_code`: TVs, terminals and CLIs show a short code
   * that the user enters at the verification page, signs in and consents.
   */
  deviceFlow?: {
    /** Lifetime of a device code (and its user code) in seconds. Default: 600 (10 minutes). */
    ttl?: number;
    /**
     * Seconds a device must wait between polls of the token endpoint; a faster poll gets
     * `slow_down` and 5 more seconds to wait from then on (RFC 8628 §3.5). Default: 5.
     */
    interval?: number;
    /**
     * The host's own code-entry page, advertised as `verification_uri` in place of the module's
     * (`/oauth/device`). Its form must POST `user_code` to the module's `/oauth/device` from the
     * same origin; sign-in and consent then go on as usual (`interaction.consentUrl` included).
     * Default: none (the module's page).
     */
    verificationUri?: string;
    /**
     * Wrong user codes one client address may enter before it must wait; the wait then doubles
     * with each further wrong code, up to 15 minutes (RFC 8628 §5.1: user codes are short, so
     * guessing must be rate limited). Default: 10.
     */
    maxUserCodeFailures?: number;
  };

  /**
   * The resource owner password credentials grant (RFC 6749 §4.3), used when `grantTypes` lists
   * `password`. Legacy: RFC 9700 §2.4 says it MUST NOT be used (the client sees the password,
   * and no second factor or consent screen fits in it), so the module logs a warning at
   * start-up. Only first-party clients (`firstParty`, set by the host, never by Dynamic Client
   * Registration) may use it, and `resourceOwner.verifyPassword` checks the credentials.
   * Failed attempts are limited per username and per client.
   */
  passwordGrant?: {
    /**
     * Wrong passwords for one username before it must wait; the wait then doubles with each
     * further failure, up to 15 minutes. Default: 5.
     */
    maxFailuresPerUser?: number;
    /** Wrong passwords through one client, whatever the username, before it must wait. Default: 50. */
    maxFailuresPerClient?: number;
  };

  /**
   * OpenID Connect logout: RP-Initiated Logout 1.0 (the end-session endpoint, `/oauth/end_session`)
   * and Back-Channel Logout 1.0 (logout tokens POSTed to the clients' `backchannel_logout_uri`).
   * Needs the authorization code flow and `resourceOwner.endSession`. See docs/logout.md.
   */
  logout?: {
    /**
     * Serve the end-session endpoint, advertise it (`end_session_endpoint`,
     * `backchannel_logout_supported`) and accept the clients' `post_logout_redirect_uris` and
     * `backchannel_logout_uri`. Default: false.
     */
    enabled?: boolean;
    /**
     * Ask the user before signing them out (a page with a `Sign out` button, CSRF-protected).
     * `false` skips the question only when the request carries a valid `id_token_hint` for the
     * signed-in user (a request without one could come from any site). Default: true.
     */
    confirm?: boolean;
    /**
     * What a logout does to the user's tokens (Back-Channel Logout §2.7): `online` revokes every
     * authorization of the user that was not granted `offline_access` (its refresh token and
     * access tokens), at every client; `none` leaves tokens alone. Default: `online`.
     */
    revokeTokens?: 'online' | 'none';
    /**
     * Seconds a client's `backchannel_logout_uri` has to answer one logout token POST before the
     * attempt counts as failed. Whole seconds, 1 to 30. Default: 5.
     */
    backchannelTimeout?: number;
    /**
     * Further attempts after a failed logout token POST, waiting 1, 4, 16... seconds between
     * them. Deliveries run in the background of the instance that handled the logout (never
     * delaying the user's answer) and are lost if it stops. 0 to 5. Default: 3.
     */
    backchannelRetries?: number;
  };

  /** Background removal of expired codes, tokens and interactions. */
  cleanup?: {
    /** Run the cleanup job in this process. Default: true. */
    enabled?: boolean;
    /** Seconds between runs. Default: 3600. */
    interval?: number;
  };
}
