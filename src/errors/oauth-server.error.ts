/**
 * The module's error family for host-facing failures: what a service call (from host code, the
 * CLI or the module's own endpoints) could not do. None of these is an HTTP response: the
 * endpoints map them to `OAuthException` at the boundary (`toOAuthException`), and a host
 * catches them by class. Configuration mistakes are `OAuthConfigurationError`, protocol errors
 * of a request are `OAuthException`.
 */
export class OAuthServerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** No client has this client_id. */
export class ClientNotFoundError extends OAuthServerError {
  constructor(readonly clientId: string) {
    super(`No client with client_id "${clientId}".`);
  }
}

/** Client metadata (a registration or an update) that the server refuses; the message says why. */
export class InvalidClientMetadataError extends OAuthServerError {
  constructor(
    readonly description: string,
    /** RFC 7591 §3.2.2: `invalid_redirect_uri` when a redirect URI is the problem. */
    readonly code: 'invalid_client_metadata' | 'invalid_redirect_uri' = 'invalid_client_metadata',
  ) {
    super(description);
  }
}

/** A signing key operation that the key's state does not allow (unknown kid, still active...). */
export class SigningKeyError extends OAuthServerError {}

/** A sign-in or consent step that cannot go on (expired, another browser, already completed). */
export class InteractionError extends OAuthServerError {}
