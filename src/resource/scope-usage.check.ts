import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { InjectOAuthConfig } from '../oauth.constants';
import type { OAuthConfig } from '../options/oauth-config';
import { OAuthConfigurationError } from '../options/oauth-configuration.error';
import { closest } from '../options/known-options';
import { ANY_OF_SCOPES, REQUIRED_SCOPES } from './decorators';

/**
 * At start-up, every `@Scopes`/`@AnyScope` on the app's controllers must name a scope the module
 * defines: a misspelt scope would otherwise answer 403 forever.
 */
@Injectable()
export class ScopeUsageCheck implements OnApplicationBootstrap {
  constructor(
    @InjectOAuthConfig() private readonly config: OAuthConfig,
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
  ) {}

  onApplicationBootstrap(): void {
    for (const wrapper of this.discovery.getControllers()) {
      const controller = wrapper.metatype as (new (...args: never[]) => object) | undefined;
      if (!controller?.prototype) continue;
      this.checkTarget(controller, controller.name);
      for (const method of this.scanner.getAllMethodNames(controller.prototype)) {
        const handler = (controller.prototype as Record<string, unknown>)[method];
        if (typeof handler === 'function')
          this.checkTarget(handler, `${controller.name}.${method}`);
      }
    }
  }

  private checkTarget(target: object, route: string): void {
    for (const [key, decorator] of [
      [REQUIRED_SCOPES, '@Scopes'],
      [ANY_OF_SCOPES, '@AnyScope'],
    ] as const) {
      for (const scope of this.reflector.get<string[] | undefined>(key, target as never) ?? []) {
        if (Object.hasOwn(this.config.scopes, scope)) continue;
        const suggestion = closest(scope, Object.keys(this.config.scopes));
        throw new OAuthConfigurationError(
          'scopes',
          `has no scope "${scope}", required by ${decorator} on ${route}: ` +
            (suggestion ? `did you mean "${suggestion}"?` : 'define it or fix the name.'),
        );
      }
    }
  }
}
