// The public API of nest-oauth-server. Anything not exported here is internal.
export { OAuthModule } from './oauth.module';
export type {
  OAuthModuleAsyncOptions,
  OAuthModuleRootOptions,
  OAuthOptionsFactory,
} from './oauth.module-definition';
export { OAUTH_CONFIG, OAUTH_DATA_SOURCE, OAUTH_PATHS, InjectOAuthConfig } from './oauth.constants';
export type {
  DpopAlgorithm,
  ExternalSigner,
  ExternalSignerKey,
  KeyEncryptionKey,
  OAuthModuleOptions,
  GrantType,
  ScopeDefinition,
  SigningAlgorithm,
  TokenEndpointAuthMethod,
  RefreshTokenRotation,
} from './options/oauth-module-options.interface';
export type {
  AuthorizationDetail,
  AuthorizationDetailChoice,
  AuthorizationDetailContext,
  AuthorizationDetailType,
} from './options/authorization-detail-type';
export type {
  ResourceOwner,
  ResourceOwnerProvider,
  SignedInUser,
} from './options/resource-owner-provider.interface';
export type { OAuthConfig } from './options/oauth-config';
export { OAUTH_DEFAULTS } from './options/oauth-config';
export { OAuthConfigurationError } from './options/oauth-configuration.error';
export { OAuthException } from './errors/oauth.exception';
export type { OAuthErrorCode } from './errors/oauth.exception';
export { OAuthExceptionFilter } from './errors/oauth-exception.filter';
export { OAUTH_ENTITIES } from './storage/entities';
export type { EntityClass } from './storage/entities';
export { OAUTH_MIGRATIONS } from './storage/migrations';
export type { MigrationClass } from './storage/migrations';
export { ClientService } from './clients/client.service';
export {
  OAuthServerError,
  ClientNotFoundError,
  InvalidClientMetadataError,
  SigningKeyError,
  InteractionError,
} from './errors/oauth-server.error';
export type { ClientView, RegisteredClient } from './clients/client.service';
export type { ClientType } from './storage/entities/oauth-client.entity';
export type { ClientRegistration, ValidClientMetadata } from './clients/client-metadata';
export { SigningKeyService } from './keys/signing-key.service';
export type { ReencryptReport, SigningKeyView } from './keys/signing-key.service';
export type { SigningKeyStatus } from './storage/entities/oauth-signing-key.entity';
export { ServerMetadataService } from './discovery/server-metadata.service';
export { OAuthGrant } from './grants/oauth-grant.decorator';
export type { OAuthGrantHandler, TokenRequest } from './grants/oauth-grant.interface';
export type { AdapterRequest, OAuthHttpRequest } from './http/http-request';
export type { TokenRequestCheck } from './options/oauth-module-options.interface';
export { TokenIssuer } from './tokens/token-issuer.service';
export type { IssuedTokens } from './tokens/token-issuer.service';
export type { TokenGrantDecision } from './tokens/token-grant-decision';
export type { TokenResponse } from './tokens/token-response';
export { OAuthGuard } from './resource/oauth.guard';
export { OAuthBearerStrategy, OAUTH_BEARER_STRATEGY } from './resource/bearer.strategy';
export { AccessTokenVerifier } from './resource/access-token-verifier.service';
export {
  Scopes,
  AnyScope,
  Public,
  RequireUser,
  RequireAcr,
  AccessToken,
  OAuthUser,
  AcceptAuthorizationDetails,
  AuthorizationDetails,
  authorizationDetailsOf,
} from './resource/decorators';
export type { AcrRequirement } from './resource/decorators';
export type { VerifiedAccessToken } from './resource/verified-access-token';
export { AuthorizationService } from './interactions/authorization.service';
export type { AuthorizationDetailPicks } from './interactions/authorization.service';
export type {
  AuthorizationDetailView,
  InteractionDetails,
} from './interactions/interaction-details';
export { ConsentService } from './consent/consent.service';
export type { GrantedConsent } from './consent/consent.service';
export { OAuthEvents } from './events/oauth-events';
export type { OAuthEvent, OAuthEventType, TokenRevocationReason } from './events/oauth-events';
export { TokenRevocationService } from './tokens/token-revocation.service';
export { CleanupService } from './lifecycle/cleanup.service';
export type { CleanupReport } from './lifecycle/cleanup.service';
