import { DiscoveryService } from '@nestjs/core';

/**
 * Marks an injectable class as the handler of a grant type, e.g.
 * `@OAuthGrant('urn:ietf:params:oauth:grant-type:token-exchange')`. The class must implement
 * `OAuthGrantHandler` and be a provider of the host's module.
 */
export const OAuthGrant = DiscoveryService.createDecorator<string>();
