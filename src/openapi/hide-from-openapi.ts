import type { Type } from '@nestjs/common';

/**
 * The metadata key `@ApiExcludeController()` of @nestjs/swagger writes (its
 * `DECORATORS.API_EXCLUDE_CONTROLLER`). Spelled out here so the core entry never loads
 * @nestjs/swagger, an optional peer; a test checks it against the installed package.
 */
export const SWAGGER_EXCLUDE_CONTROLLER = 'swagger/apiExcludeController';

/**
 * Keeps the module's own controllers out of a host's Swagger scan: the protocol endpoints are
 * not the host's API, and a scan would describe them wrongly (every method of an `@All()` route,
 * no form bodies, interaction pages). `nest-oauth-server/swagger` describes the public ones on
 * request. Without @nestjs/swagger installed this is an unread piece of metadata.
 */
export function hideFromOpenApi(controllers: Type[]): void {
  for (const controller of controllers) {
    Reflect.defineMetadata(SWAGGER_EXCLUDE_CONTROLLER, [true], controller);
  }
}
