import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { InjectOAuthConfig } from '../oauth.constants';
import type { OAuthConfig } from '../options/oauth-config';
import { OAuthConfigurationError } from '../options/oauth-configuration.error';
import { closest } from '../options/known-options';
import { AcrRequirement, ANY_OF_SCOPES, REQUIRED_ACR, REQUIRED_SCOPES } from './decorators';

/**
 * At start-up, every `@Scopes`/`@AnyScope` on the app's controllers must name a scope the module
 * defines, and every `@RequireAcr` a level of the `acr.levels` option: a misspelt scope or level
 * would otherwise answer 403 or 401 forever.
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
    this.checkAcr(target, route);
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

  private checkAcr(target: object, route: string): void {
    const requirement = this.reflector.get<AcrRequirement | undefined>(
      REQUIRED_ACR,
      target as never,
    );
    if (!requirement) return;
    const { levels } = this.config.acr;
    if (!levels.includes(requirement.level)) {
      const suggestion = closest(requirement.level, levels);
      throw new OAuthConfigurationError(
        'acr.levels',
        `has no level "${requirement.level}", required by @RequireAcr on ${route}: ` +
          (suggestion
            ? `did you mean "${suggestion}"?`
            : `declare it or use one of: ${levels.join(', ') || '(no levels declared)'}.`),
      );
    }
    const { maxAge } = requirement;
    if (maxAge !== undefined && !(Number.isInteger(maxAge) && maxAge >= 0)) {
      throw new OAuthConfigurationError(
        'acr.levels',
        `cannot be checked by @RequireAcr on ${route}: its maxAge must be a whole number of seconds, not ${JSON.stringify(maxAge)}.`,
      );
    }
  }
}
