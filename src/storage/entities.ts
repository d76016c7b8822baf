import { OAuthClientAssertion } from '../clients/oauth-client-assertion.entity';
import { OAuthClient } from '../clients/oauth-client.entity';
import { OAuthAuthorizationCode } from '../codes/oauth-authorization-code.entity';
import { OAuthConsent } from '../consent/oauth-consent.entity';
import { OAuthInteraction } from '../interactions/oauth-interaction.entity';
import { OAuthSigningKey } from '../keys/oauth-signing-key.entity';
import { OAuthToken } from '../tokens/oauth-token.entity';

/** Add these to your DataSource's `entities` when you pass your own DataSource. */
export const OAUTH_ENTITIES = [
  OAuthClient,
  OAuthAuthorizationCode,
  OAuthToken,
  OAuthConsent,
  OAuthSigningKey,
  OAuthInteraction,
  OAuthClientAssertion,
];
