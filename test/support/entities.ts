// The module's entity classes, for specs that check or seed what is stored (not public API).
export { OAuthAuthorizationCode } from '../../src/storage/entities/oauth-authorization-code.entity';
export { OAuthClient } from '../../src/storage/entities/oauth-client.entity';
export { OAuthClientAssertion } from '../../src/storage/entities/oauth-client-assertion.entity';
export { OAuthConsent } from '../../src/storage/entities/oauth-consent.entity';
export { OAuthInteraction } from '../../src/storage/entities/oauth-interaction.entity';
export { OAuthSigningKey } from '../../src/storage/entities/oauth-signing-key.entity';
export { OAuthToken } from '../../src/storage/entities/oauth-token.entity';
