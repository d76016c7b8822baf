import { OAuthClientAssertion } from './oauth-client-assertion.entity';
import { OAuthClient } from './oauth-client.entity';
import { OAuthAuthorizationCode } from './oauth-authorization-code.entity';
import { OAuthConsent } from './oauth-consent.entity';
import { OAuthInteraction } from './oauth-interaction.entity';
import { OAuthPushedRequest } from './oauth-pushed-request.entity';
import { OAuthSigningKey } from './oauth-signing-key.entity';
import { OAuthToken } from './oauth-token.entity';
import { OAuthDeviceAuthorization } from './oauth-device-authorization.entity';
import { OAuthAttemptLimit } from './oauth-attempt-limit.entity';

/** A TypeORM entity class. */
export type EntityClass = new () => object;

/** Add these to your DataSource's `entities` when you pass your own DataSource. */
export const OAUTH_ENTITIES: EntityClass[] = [
  OAuthClient,
  OAuthAuthorizationCode,
  OAuthToken,
  OAuthConsent,
  OAuthSigningKey,
  OAuthInteraction,
  OAuthClientAssertion,
  OAuthPushedRequest,
  OAuthDeviceAuthorization,
  OAuthAttemptLimit,
];
