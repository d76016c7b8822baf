// `nest-oauth-server/swagger`: the OpenAPI integration. A separate entry point because it loads
// @nestjs/swagger, an optional peer: `nest-oauth-server` itself never does.
export { OAuthSwagger } from './oauth-swagger';
export type { OAuthSwaggerOptions } from './oauth-swagger';
