import { Inject } from '@nestjs/common';

/** The resolved configuration (`OAuthConfig`): options merged over the defaults, validated. */
export const OAUTH_CONFIG = 'OAUTH:CONFIG';
/** The initialized TypeORM DataSource the module stores its entities in. */
export const OAUTH_DATA_SOURCE = 'OAUTH:DATA_SOURCE';

export const InjectOAuthConfig = (): ParameterDecorator => Inject(OAUTH_CONFIG);
export const InjectOAuthDataSource = (): ParameterDecorator => Inject(OAUTH_DATA_SOURCE);

/** Fixed endpoint paths, relative to the issuer. */
export const OAUTH_PATHS = {
  authorize: '/oauth/authorize',
  token: '/oauth/token',
  /** Pushed authorization requests (RFC 9126). */
  par: '/oauth/par',
  revocation: '/oauth/revoke',
  introspection: '/oauth/introspect',
  userinfo: '/oauth/userinfo',
  jwks: '/oauth/jwks',
  registration: '/oauth/register',
  /** RFC 8628 §3.1: where devices ask for a device code and user code. */
  deviceAuthorization: '/oauth/device_authorization',
  /** RFC 8628 §3.3: the module's verification page, where users enter the user code. */
  deviceVerification: '/oauth/device',
  /** OpenID Connect RP-Initiated Logout §2: the end-session endpoint (`logout.enabled`). */
  endSession: '/oauth/end_session',
  serverMetadata: '/.well-known/oauth-authorization-server',
  openidConfiguration: '/.well-known/openid-configuration',
} as const;
