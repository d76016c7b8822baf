import { Module, Provider } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { ClientService } from './clients/client.service';
import { ServerMetadataService } from './discovery/server-metadata.service';
import { DiscoveryController } from './endpoints/discovery.controller';
import { JwksController } from './endpoints/jwks.controller';
import { RegistrationController } from './endpoints/registration.controller';
import { KeyStore } from './keys/key-store.service';
import { OAUTH_CONFIG, OAUTH_DATA_SOURCE } from './oauth.constants';
import { OAUTH_MODULE_OPTIONS, OAuthConfigurableModuleClass } from './oauth.module-definition';
import { resolveOAuthConfig } from './options/oauth-config';
import type { OAuthModuleOptions } from './options/oauth-module-options.interface';
import { validateOAuthOptions } from './options/validate-options';
import { dataSourceProvider, OwnedDataSourceCloser } from './storage/data-source.provider';

const configProvider: Provider = {
  provide: OAUTH_CONFIG,
  inject: [OAUTH_MODULE_OPTIONS],
  useFactory: (options: OAuthModuleOptions) => {
    validateOAuthOptions(options);
    return resolveOAuthConfig(options);
  },
};

/**
 * The authorization server: `OAuthModule.forRoot({...})` or `OAuthModule.forRootAsync({...})`.
 * Mounts the OAuth endpoints and exports the services a host uses.
 */
@Module({
  imports: [DiscoveryModule],
  controllers: [DiscoveryController, JwksController, RegistrationController],
  providers: [
    configProvider,
    OwnedDataSourceCloser,
    dataSourceProvider,
    KeyStore,
    ServerMetadataService,
    ClientService,
  ],
  exports: [OAUTH_CONFIG, OAUTH_DATA_SOURCE, KeyStore, ClientService, ServerMetadataService],
})
export class OAuthModule extends OAuthConfigurableModuleClass {}
