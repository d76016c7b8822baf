/** A user as the authorization server needs to know them. */
export interface ResourceOwner {
  /** Stable, never reassigned identifier: becomes the `sub` claim. */
  id: string;
  /** Shown in introspection responses as `username`. */
  username?: string;
}

/** The signed-in user of a browser request, as the host's session knows them. */
export interface SignedInUser extends ResourceOwner {
  /** When the user last authenticated, in seconds since the epoch (OIDC `auth_time`). */
  authTime?: number;
  /**
   * Authentication context class reference (OIDC `acr`): how strongly the user signed in, one of
   * the levels declared in the `acr.levels` option (a value not declared there meets no level).
   */
  acr?: string;
  /** Authentication methods references (OIDC `amr`, RFC 8176), e.g. `['pwd', 'otp']`. */
  amr?: string[];
}

/**
 * What the host implements so the module can work with its users. The host owns users,
 * passwords and sessions; the module never sees a password (unless a password grant is added).
 */
export interface ResourceOwnerProvider {
  /** Who is signed in on this request (the host's session), or null. `request` is the raw request. */
  getSignedInUser(request: unknown): Promise<SignedInUser | null> | SignedInUser | null;

  /** Loads a user by id, or null when they no longer exist. */
  findById(id: string): Promise<ResourceOwner | null> | ResourceOwner | null;

  /**
   * Claims for the id_token and userinfo, e.g. `{ name, email, email_verified }`.
   * The module keeps only the claims that the granted scopes allow.
   */
  getClaims(
    id: string,
    scopes: string[],
  ): Promise<Record<string, unknown>> | Record<string, unknown>;

  /**
   * Only for the opt-in `password` grant: the user with these credentials, or null when they
   * are wrong (or the user may not sign in). Take as long for an unknown username as for a
   * wrong password. The module limits failed attempts itself.
   */
  verifyPassword?(
    username: string,
    password: string,
  ): Promise<ResourceOwner | null> | ResourceOwner | null;

  /**
   * Only with `logout.enabled`: ends the host's session of this browser (e.g. clears the session
   * cookie on `response`), when the user confirmed a logout at the end-session endpoint (OpenID
   * Connect RP-Initiated Logout). `request` and `response` are the adapter's own objects (Express
   * `Request`/`Response` or Fastify's); add headers to `response` but do not send it: the module
   * answers (a redirect or its signed-out page). `user` is who `getSignedInUser` returned.
   */
  endSession?(request: unknown, response: unknown, user: SignedInUser): Promise<void> | void;
}
