import type { INestApplication, Type } from '@nestjs/common';
import { GUARDS_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import {
  ApplicationConfig,
  DiscoveryService,
  MetadataScanner,
  ModulesContainer,
  Reflector,
} from '@nestjs/core';
import {
  AcrRequirement,
  ANY_OF_SCOPES,
  IS_PUBLIC_ROUTE,
  REQUIRED_ACR,
  REQUIRED_SCOPES,
  REQUIRES_USER,
} from '../resource/decorators';
import { OAuthGuard } from '../resource/oauth.guard';

type Handler = (...args: unknown[]) => unknown;

/** A host route OAuthGuard protects, with the rules the guard applies to it. */
export interface ProtectedRoute {
  /** The handler function: where Nest and @nestjs/swagger read the route's metadata. */
  handler: Handler;
  /** `@Scopes`: every one is required. */
  allOf: string[];
  /** `@AnyScope`: one of them is enough (empty: no such rule). */
  anyOf: string[];
  /** `@RequireUser`: a client's own token is refused. */
  requiresUser: boolean;
  /** `@RequireAcr`: the sign-in level (and age) the token must come from. */
  acr?: AcrRequirement;
}

/**
 * Every route of the app that OAuthGuard protects: the guard is on the route or its controller
 * (`@UseGuards`), or the app's (`APP_GUARD`, `useGlobalGuards`), and the route is not `@Public`.
 * The rules are read as the guard reads them (handler over controller).
 */
export function protectedRoutes(app: INestApplication): ProtectedRoute[] {
  const guardedEverywhere = globalGuards(app).some(isOAuthGuard);
  const discovery = new DiscoveryService(app.get(ModulesContainer));
  const scanner = new MetadataScanner();
  const reflector = new Reflector();
  const seen = new Set<Handler>();
  const routes: ProtectedRoute[] = [];
  for (const { instance, metatype } of discovery.getControllers()) {
    if (!instance || !metatype) continue;
    const prototype = Object.getPrototypeOf(instance) as Record<string, Handler>;
    for (const name of scanner.getAllMethodNames(prototype)) {
      const handler = prototype[name];
      if (seen.has(handler) || Reflect.getMetadata(PATH_METADATA, handler) === undefined) continue;
      seen.add(handler);
      const targets = [handler, metatype as Type];
      if (reflector.getAllAndOverride<boolean>(IS_PUBLIC_ROUTE, targets)) continue;
      const guarded =
        guardedEverywhere || targets.some((target) => guardsOf(target).some(isOAuthGuard));
      if (!guarded) continue;
      routes.push({
        handler,
        allOf: reflector.getAllAndOverride<string[]>(REQUIRED_SCOPES, targets) ?? [],
        anyOf: reflector.getAllAndOverride<string[]>(ANY_OF_SCOPES, targets) ?? [],
        requiresUser: !!reflector.getAllAndOverride<boolean>(REQUIRES_USER, targets),
        acr: reflector.getAllAndOverride<AcrRequirement | undefined>(REQUIRED_ACR, targets),
      });
    }
  }
  return routes;
}

/** `@UseGuards(...)` of a handler or controller: classes or instances. */
function guardsOf(target: object): unknown[] {
  return (Reflect.getMetadata(GUARDS_METADATA, target) as unknown[] | undefined) ?? [];
}

/**
 * The app's global guards: `APP_GUARD` providers and `useGlobalGuards`. Nest keeps them in the
 * application's config, which it does not expose; @nestjs/swagger reads the same property.
 */
function globalGuards(app: INestApplication): unknown[] {
  const config = (app as unknown as { config?: ApplicationConfig }).config;
  if (!config) return [];
  const requestScoped = config.getGlobalRequestGuards().map((wrapper) => wrapper.metatype);
  return [...config.getGlobalGuards(), ...requestScoped];
}

/** OAuthGuard or a host's subclass of it, as a class or an instance. */
function isOAuthGuard(guard: unknown): boolean {
  if (guard instanceof OAuthGuard) return true;
  return (
    typeof guard === 'function' &&
    (guard === OAuthGuard || (guard as Type).prototype instanceof OAuthGuard)
  );
}
