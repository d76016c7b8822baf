import { AcrLevels } from '../acr/acr-levels';
import type { INestApplication } from '@nestjs/common';
import { SwaggerModule } from '@nestjs/swagger';
import type {
  OpenAPIObject,
  SecurityRequirementObject,
  SwaggerDocumentOptions,
} from '@nestjs/swagger';
import { OAUTH_CONFIG } from '../oauth.constants';
import type { OAuthConfig } from '../options/oauth-config';
import { OAUTH_ERROR_SCHEMA, oauthErrorSchema } from './oauth-error-schema';
import { protectedRoutes } from './protected-routes';
import {
  CLIENT_AUTH_SCHEME,
  PROTOCOL_TAG,
  protocolPaths,
  REGISTRATION_TOKEN_SCHEME,
} from './protocol-paths';
import { scanWithMarkers } from './route-markers';
import { guardResponses, securityRequirements } from './route-security';
import { OAUTH2_SCHEME, oauth2SecurityScheme } from './security-scheme';

/** What `OAuthSwagger.createDocument` adds beyond the host's own routes. */
export interface OAuthSwaggerOptions {
  /**
   * Also describe the module's public protocol endpoints: token, revocation, introspection,
   * discovery, JWKS, userinfo (with the authorization code grant) and registration (when
   * enabled). Never the authorization endpoint or the interaction pages. Default: false, the
   * document holds the host's API only.
   */
  includeProtocolEndpoints?: boolean;
  /** Passed on to `SwaggerModule.createDocument` (include, operationIdFactory, ...). */
  documentOptions?: SwaggerDocumentOptions;
}

/**
 * Swagger for an app that uses nest-oauth-server: `SwaggerModule.createDocument` plus the
 * `oauth2` security scheme of this server, and the security requirements and 401/403 responses
 * of every route OAuthGuard protects, from its `@Scopes`, `@AnyScope` and `@RequireUser`.
 */
export const OAuthSwagger = {
  /**
   * Scans the app like `SwaggerModule.createDocument(app, config, options)` and adds the OAuth
   * security. Call it after the app is created (its OAuthModule must be resolved), e.g.
   * `SwaggerModule.setup('docs', app, OAuthSwagger.createDocument(app, config))`.
   */
  createDocument(
    app: INestApplication,
    config: Omit<OpenAPIObject, 'paths'>,
    options: OAuthSwaggerOptions = {},
  ): OpenAPIObject {
    const oauth = app.get<OAuthConfig>(OAUTH_CONFIG, { strict: false });
    const routes = protectedRoutes(app);
    const levels = new AcrLevels(oauth);
    const { document, operationsOf } = scanWithMarkers(
      routes.map((route) => route.handler),
      () => SwaggerModule.createDocument(app, config, options.documentOptions),
    );
    routes.forEach((route, index) => {
      for (const operation of operationsOf(index)) {
        operation.security = withOurs(operation.security, securityRequirements(route));
        // The host's own 401/403 descriptions win over ours.
        const level = levels.stronger(route.acr?.level, levels.required({ scopes: route.allOf }));
        operation.responses = { ...guardResponses(route, level), ...operation.responses };
      }
    });
    const components = (document.components ??= {});
    components.securitySchemes = {
      ...components.securitySchemes,
      [OAUTH2_SCHEME]: oauth2SecurityScheme(oauth),
    };
    components.schemas = { ...components.schemas, [OAUTH_ERROR_SCHEMA]: oauthErrorSchema };
    if (options.includeProtocolEndpoints) addProtocolEndpoints(document, oauth);
    return document;
  },
};

/** Ours after the host's requirements (OpenAPI: any one of them), unless it names oauth2 itself. */
function withOurs(
  existing: SecurityRequirementObject[] | undefined,
  ours: SecurityRequirementObject[],
): SecurityRequirementObject[] {
  if (existing?.some((requirement) => OAUTH2_SCHEME in requirement)) return existing;
  return [...(existing ?? []), ...ours];
}

function addProtocolEndpoints(document: OpenAPIObject, config: OAuthConfig): void {
  document.paths = { ...document.paths, ...protocolPaths(config) };
  document.components!.securitySchemes = {
    ...document.components!.securitySchemes,
    [CLIENT_AUTH_SCHEME]: {
      type: 'http',
      scheme: 'basic',
      description:
        'client_secret_basic: the client id and secret, form-urlencoded (RFC 6749 §2.3.1).',
    },
    ...(config.registration.enabled
      ? {
          [REGISTRATION_TOKEN_SCHEME]: {
            type: 'http',
            scheme: 'bearer',
            description:
              'The initial access token to register; the registration access token after.',
          },
        }
      : {}),
  };
  document.tags = [
    ...(document.tags ?? []),
    { name: PROTOCOL_TAG, description: `The authorization server at ${config.issuer}.` },
  ];
}
