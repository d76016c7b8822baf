/** The device authorization grant's `grant_type` (RFC 8628 §3.4). */
export const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

/** What `grantTypes` defaults to. */
export const DEFAULT_GRANT_TYPES = ['authorization_code', 'client_credentials', 'refresh_token'];

/** Built-in grants a host turns on by listing them in `grantTypes`. */
export const OPT_IN_GRANT_TYPES = [DEVICE_CODE_GRANT, 'password'];

/** Grants that act for a user, so need `resourceOwner` (and a sign-in page for the browser ones). */
export const USER_GRANT_TYPES = ['authorization_code', DEVICE_CODE_GRANT, 'password'];
