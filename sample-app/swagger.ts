import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
// In your own app: import { OAuthSwagger } from 'nest-oauth-server/swagger';
import { OAuthSwagger } from '../src/swagger';

/**
 * The bank API's OpenAPI document at /docs-json, with the `oauth2` scheme and each route's
 * scopes, and Swagger UI at /docs (Express only: on Fastify the UI needs @fastify/static).
 * Called before `app.init()`, so the routes come before Nest's not-found handler; the document
 * is built on the first request.
 */
export function setupSwagger(app: INestApplication): void {
  const config = new DocumentBuilder()
    .setTitle('Sample bank API')
    .setDescription('Accounts, payments and the signed-in user, behind OAuth 2.0 access tokens.')
    .setVersion('1.0')
    .build();
  SwaggerModule.setup('docs', app, () => OAuthSwagger.createDocument(app, config), {
    ui: app.getHttpAdapter().getType() === 'express',
    raw: ['json'],
    swaggerOptions: { initOAuth: { usePkceWithAuthorizationCodeGrant: true } },
  });
}
