import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { InjectOAuthConfig } from '../oauth.constants';
import type { OAuthConfig } from '../options/oauth-config';
import { OAuthConfigurationError } from '../options/oauth-configuration.error';
import { AuthorizationCodeGrant } from './authorization-code.grant';
import { ClientCredentialsGrant } from './client-credentials.grant';
import { DeviceCodeGrant } from './device-code.grant';
import { DEVICE_CODE_GRANT } from '../options/grant-types';
import { PasswordGrant } from './password.grant';
import { OAuthGrant } from './oauth-grant.decorator';
import type { OAuthGrantHandler } from './oauth-grant.interface';
import { RefreshTokenGrant } from './refresh-token.grant';

/** Finds the handler of a `grant_type`: the built-in grants plus the host's `@OAuthGrant` classes. */
@Injectable()
export class GrantRegistry implements OnApplicationBootstrap {
  private readonly handlers = new Map<string, OAuthGrantHandler>();

  constructor(
    @InjectOAuthConfig() private readonly config: OAuthConfig,
    private readonly discovery: DiscoveryService,
    authorizationCode: AuthorizationCodeGrant,
    clientCredentials: ClientCredentialsGrant,
    refreshToken: RefreshTokenGrant,
    deviceCode: DeviceCodeGrant,
    password: PasswordGrant,
  ) {
    this.handlers.set('authorization_code', authorizationCode);
    this.handlers.set('client_credentials', clientCredentials);
    this.handlers.set('refresh_token', refreshToken);
    this.handlers.set(DEVICE_CODE_GRANT, deviceCode);
    this.handlers.set('password', password);
  }

  onApplicationBootstrap(): void {
    for (const wrapper of this.discovery.getProviders({ metadataKey: OAuthGrant.KEY })) {
      const grantType = this.discovery.getMetadataByDecorator(OAuthGrant, wrapper);
      if (grantType && wrapper.instance)
        this.handlers.set(grantType, wrapper.instance as OAuthGrantHandler);
    }
    // Handlers of grant types the server does not enable are never used.
    for (const grantType of this.handlers.keys())
      if (!this.config.grantTypes.includes(grantType)) this.handlers.delete(grantType);
    for (const grantType of this.config.grantTypes) {
      if (!this.handlers.has(grantType)) {
        throw new OAuthConfigurationError(
          'grantTypes',
          `lists "${grantType}" but no provider is tagged @OAuthGrant('${grantType}'): add one to your module.`,
        );
      }
    }
  }

  /** The handler of an enabled grant type, or undefined. */
  find(grantType: string): OAuthGrantHandler | undefined {
    return this.handlers.get(grantType);
  }
}
