import { Module, Provider } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { ClientService } from './clients/client.service';
import { AdapterIntegration } from './http/adapter-integration';
import { ServerMetadataService } from './discovery/server-metadata.service';
import { DiscoveryController } from './endpoints/discovery.controller';
import { JwksController } from './endpoints/jwks.controller';
import { RegistrationController } from './endpoints/registration.controller';
import { TokenController } from './endpoints/token.controller';
import { ParController } from './endpoints/par.controller';
import { AuthorizeController } from './endpoints/authorize.controller';
import { UserinfoController } from './endpoints/userinfo.controller';
import { RevocationController } from './endpoints/revocation.controller';
import { IntrospectionController } from './endpoints/introspection.controller';
import { DeviceAuthorizationController } from './endpoints/device-authorization.controller';
import { DeviceVerificationController } from './endpoints/device-verification.controller';
import { EndSessionController } from './endpoints/end-session.controller';
import { BackchannelLogout } from './logout/backchannel-logout.service';
import { EndSessionService } from './logout/end-session.service';
import { DeviceAuthorizationService } from './device/device-authorization.service';
import { DeviceCodeGrant } from './grants/device-code.grant';
import { PasswordGrant } from './grants/password.grant';
import { AttemptLimiter } from './limits/attempt-limiter.service';
import { OAuthEvents } from './events/oauth-events';
import { CleanupService } from './lifecycle/cleanup.service';
import { TokenLookup } from './tokens/token-lookup.service';
import { TokenRevocationService } from './tokens/token-revocation.service';
import { ConsentService } from './consent/consent.service';
import { AuthorizationFlow } from './interactions/authorization-flow.service';
import { AuthorizationService } from './interactions/authorization.service';
import { PushedAuthorizationService } from './interactions/pushed-authorization.service';
import { ClientAuthenticator } from './clients/client-authenticator.service';
import { AuthorizationCodeService } from './codes/authorization-code.service';
import { AuthorizationCodeGrant } from './grants/authorization-code.grant';
import { ClientCredentialsGrant } from './grants/client-credentials.grant';
import { GrantRegistry } from './grants/grant-registry.service';
import { RefreshRotation } from './grants/refresh-rotation';
import { RefreshTokenGrant } from './grants/refresh-token.grant';
import { TokenRequestPolicy } from './grants/token-request-policy.service';
import { IdTokenService } from './tokens/id-token.service';
import { TokenIssuer } from './tokens/token-issuer.service';
import { TokenFactory } from './tokens/token-factory.service';
import { TokenRevoker } from './tokens/token-revoker.service';
import { STORE_PROVIDERS } from './storage/store.providers';
import { AccessTokenVerifier } from './resource/access-token-verifier.service';
import { OAuthBearerStrategy } from './resource/bearer.strategy';
import { OAuthGuard } from './resource/oauth.guard';
import { ScopeUsageCheck } from './resource/scope-usage.check';
import { JwtVerifier } from './keys/jwt-verifier.service';
import { KeyRing } from './keys/key-ring.service';
import { SigningKeyService } from './keys/signing-key.service';
import { OAUTH_CONFIG, OAUTH_DATA_SOURCE } from './oauth.constants';
import { OAUTH_MODULE_OPTIONS, OAuthConfigurableModuleClass } from './oauth.module-definition';
import { resolveOAuthConfig } from './options/oauth-config';
import type { OAuthModuleOptions } from './options/oauth-module-options.interface';
import { validateOAuthOptions } from './options/validate-options';
import { dataSourceProvider, OwnedDataSourceCloser } from './storage/data-source.provider';
import { DatabaseHealthLog } from './storage/database-health-log';
import { hideFromOpenApi } from './openapi/hide-from-openapi';

import { DpopProofVerifier } from './dpop/dpop-proof-verifier.service';
import { TokenEndpointDpop } from './dpop/token-endpoint-dpop.service';
import { DpopResourceAuthenticator } from './resource/dpop-resource-authenticator.service';
const configProvider: Provider = {
  provide: OAUTH_CONFIG,
  inject: [OAUTH_MODULE_OPTIONS],
  useFactory: (options: OAuthModuleOptions) => {
    validateOAuthOptions(options);
    return resolveOAuthConfig(options);
  },
};

/** Services a host may inject; the module provides them and exports them. */
const EXPORTED_SERVICES = [
  SigningKeyService,
  ClientService,
  ServerMetadataService,
  TokenIssuer,
  AccessTokenVerifier,
  OAuthBearerStrategy,
  OAuthGuard,
  ConsentService,
  AuthorizationService,
  OAuthEvents,
  TokenRevocationService,
  CleanupService,
];

const CONTROLLERS = [
  DiscoveryController,
  JwksController,
  RegistrationController,
  TokenController,
  ParController,
  AuthorizeController,
  UserinfoController,
  RevocationController,
  IntrospectionController,
  DeviceAuthorizationController,
  DeviceVerificationController,
  EndSessionController,
];
hideFromOpenApi(CONTROLLERS);

/**
 * The authorization server: `OAuthModule.forRoot({...})` or `OAuthModule.forRootAsync({...})`.
 * Mounts the OAuth endpoints and exports the services a host uses.
 */
@Module({
  imports: [DiscoveryModule],
  controllers: CONTROLLERS,
  providers: [
    configProvider,
    OwnedDataSourceCloser,
    AdapterIntegration,
    dataSourceProvider,
    DatabaseHealthLog,
    KeyRing,
    JwtVerifier,
    ClientAuthenticator,
    ...STORE_PROVIDERS,
    AuthorizationCodeService,
    TokenFactory,
    TokenRevoker,
    AuthorizationFlow,
    PushedAuthorizationService,
    IdTokenService,
    TokenRequestPolicy,
    AuthorizationCodeGrant,
    ClientCredentialsGrant,
    RefreshTokenGrant,
    RefreshRotation,
    DeviceAuthorizationService,
    DeviceCodeGrant,
    AttemptLimiter,
    PasswordGrant,
    GrantRegistry,
    ScopeUsageCheck,
    TokenLookup,
    DpopProofVerifier,
    TokenEndpointDpop,
    DpopResourceAuthenticator,
    EndSessionService,
    BackchannelLogout,
    ...EXPORTED_SERVICES,
  ],
  // DpopResourceAuthenticator: OAuthGuard, instantiated in host modules, needs it.
  exports: [OAUTH_CONFIG, OAUTH_DATA_SOURCE, DpopResourceAuthenticator, ...EXPORTED_SERVICES],
})
export class OAuthModule extends OAuthConfigurableModuleClass {}
