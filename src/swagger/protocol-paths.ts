import type {
  OperationObject,
  PathsObject,
  SchemaObject,
  SecurityRequirementObject,
} from '@nestjs/swagger';
import { OAUTH_PATHS } from '../oauth.constants';
import type { OAuthConfig } from '../options/oauth-config';
import { oauthErrorResponse, WWW_AUTHENTICATE_BEARER } from './oauth-error-schema';
import { OAUTH2_SCHEME } from './security-scheme';

/** HTTP Basic client authentication (client_secret_basic) on the token-side endpoints. */
export const CLIENT_AUTH_SCHEME = 'oauthClient';
/** The initial or registration access token of dynamic client registration. */
export const REGISTRATION_TOKEN_SCHEME = 'oauthRegistrationToken';

/** The tag the protocol endpoints are listed under. */
export const PROTOCOL_TAG = 'OAuth 2.0';

const FORM = 'application/x-www-form-urlencoded';
const text = { type: 'string' } as const;
const number = { type: 'integer' } as const;

/** Client credentials in the form (client_secret_post, private_key_jwt, public clients). */
const CLIENT_FORM_FIELDS: Record<string, SchemaObject> = {
  client_id: text,
  client_secret: text,
  client_assertion_type: text,
  client_assertion: text,
};

// Basic, or the form fields above (OpenAPI's empty requirement): the endpoint decides.
const CLIENT_AUTH: SecurityRequirementObject[] = [{ [CLIENT_AUTH_SCHEME]: [] }, {}];

const CLIENT_ERRORS = {
  400: oauthErrorResponse('The request was refused (RFC 6749 §5.2).', [
    'invalid_request',
    'invalid_grant',
    'unauthorized_client',
    'unsupported_grant_type',
    'invalid_scope',
    'invalid_target',
    'invalid_authorization_details',
  ]),
  401: oauthErrorResponse('The client could not be authenticated.', ['invalid_client']),
};

function form(required: string[], properties: Record<string, SchemaObject>) {
  return {
    required: true,
    content: { [FORM]: { schema: { type: 'object' as const, required, properties } } },
  };
}

function json(description: string, schema: SchemaObject, type = 'application/json') {
  return { description, content: { [type]: { schema } } };
}

function operation(summary: string, description: string, rest: Partial<OperationObject>) {
  return { tags: [PROTOCOL_TAG], summary, description, responses: {}, ...rest };
}

/**
 * The module's public protocol endpoints as OpenAPI paths, for the routes this configuration
 * serves. Never the authorization endpoint or the interaction pages: browsers reach those by
 * redirect, no API client calls them.
 */
export function protocolPaths(config: OAuthConfig): PathsObject {
  const codeFlow = config.grantTypes.includes('authorization_code');
  const paths: PathsObject = {
    [OAUTH_PATHS.token]: { post: tokenOperation(config) },
    [OAUTH_PATHS.revocation]: { post: revocationOperation() },
    [OAUTH_PATHS.introspection]: { post: introspectionOperation() },
    [OAUTH_PATHS.serverMetadata]: {
      get: discoveryOperation('Authorization server metadata (RFC 8414)', 'authorizationServer'),
    },
    [OAUTH_PATHS.openidConfiguration]: {
      get: discoveryOperation('OpenID Provider configuration (OIDC Discovery)', 'openid'),
    },
    [OAUTH_PATHS.jwks]: { get: jwksOperation() },
  };
  if (codeFlow) {
    paths[OAUTH_PATHS.userinfo] = {
      get: userinfoOperation('get'),
      post: userinfoOperation('post'),
    };
  }
  if (config.registration.enabled) Object.assign(paths, registrationPaths());
  return paths;
}

function tokenOperation(config: OAuthConfig): OperationObject {
  return operation(
    'Token endpoint',
    'Exchanges a grant for tokens (RFC 6749 §3.2). POST only; any other method is 405.',
    {
      operationId: 'oauth_token',
      security: CLIENT_AUTH,
      requestBody: form(['grant_type'], {
        grant_type: { type: 'string', enum: config.grantTypes },
        code: text,
        redirect_uri: text,
        code_verifier: text,
        refresh_token: text,
        scope: { type: 'string', description: 'Space-separated scopes.' },
        resource: { type: 'string', description: 'RFC 8707 resource indicator.' },
        ...CLIENT_FORM_FIELDS,
      }),
      responses: {
        200: json('The issued tokens (RFC 6749 §5.1). Sent with Cache-Control: no-store.', {
          type: 'object',
          required: ['access_token', 'token_type', 'expires_in'],
          properties: {
            access_token: text,
            token_type: { type: 'string', enum: ['Bearer'] },
            expires_in: number,
            refresh_token: text,
            scope: text,
            id_token: text,
          },
        }),
        ...CLIENT_ERRORS,
      },
    },
  );
}

function revocationOperation(): OperationObject {
  return operation(
    'Token revocation (RFC 7009)',
    "Revokes one of the client's tokens. Unknown tokens also answer 200.",
    {
      operationId: 'oauth_revoke',
      security: CLIENT_AUTH,
      requestBody: form(['token'], {
        token: text,
        token_type_hint: { type: 'string', enum: ['access_token', 'refresh_token'] },
        ...CLIENT_FORM_FIELDS,
      }),
      responses: { 200: { description: 'Revoked, or nothing to revoke.' }, ...CLIENT_ERRORS },
    },
  );
}

function introspectionOperation(): OperationObject {
  return operation(
    'Token introspection (RFC 7662)',
    'For confidential clients (their own tokens) and the configured resource servers (any token). ' +
      'Anything not active, or not the caller’s, is { "active": false }.',
    {
      operationId: 'oauth_introspect',
      security: CLIENT_AUTH,
      requestBody: form(['token'], {
        token: text,
        token_type_hint: { type: 'string', enum: ['access_token', 'refresh_token'] },
        ...CLIENT_FORM_FIELDS,
      }),
      responses: {
        200: json('The token’s state and claims.', {
          type: 'object',
          required: ['active'],
          properties: {
            active: { type: 'boolean' },
            scope: text,
            client_id: text,
            username: text,
            sub: text,
            token_type: text,
            exp: number,
            iat: number,
            nbf: number,
            aud: { oneOf: [text, { type: 'array', items: text }] },
            iss: text,
            jti: text,
          },
        }),
        ...CLIENT_ERRORS,
      },
    },
  );
}

function discoveryOperation(summary: string, name: string): OperationObject {
  return operation(summary, 'The endpoints, scopes, grants and algorithms of this server.', {
    operationId: `oauth_discovery_${name}`,
    security: [],
    responses: { 200: json('The metadata document.', { type: 'object' }) },
  });
}

function jwksOperation(): OperationObject {
  return operation('JSON Web Key Set', 'The public keys tokens are signed with (RFC 7517).', {
    operationId: 'oauth_jwks',
    security: [],
    responses: {
      200: json(
        'The key set.',
        { type: 'object', properties: { keys: { type: 'array', items: { type: 'object' } } } },
        'application/jwk-set+json',
      ),
    },
  });
}

function userinfoOperation(method: 'get' | 'post'): OperationObject {
  return operation(
    'UserInfo (OIDC Core §5.3)',
    'Claims about the user of an access token with the openid scope.',
    {
      operationId: `oauth_userinfo_${method}`,
      security: [{ [OAUTH2_SCHEME]: ['openid'] }],
      responses: {
        200: json('The user’s claims, by the granted scopes.', {
          type: 'object',
          required: ['sub'],
          properties: { sub: text },
          additionalProperties: true,
        }),
        401: oauthErrorResponse(
          'No access token, or one that is not valid.',
          ['invalid_request', 'invalid_token'],
          WWW_AUTHENTICATE_BEARER,
        ),
        403: oauthErrorResponse(
          'The token was not issued with the openid scope, or not to a user.',
          ['insufficient_scope'],
          WWW_AUTHENTICATE_BEARER,
        ),
      },
    },
  );
}

function registrationPaths(): PathsObject {
  const metadata: SchemaObject = {
    type: 'object',
    description: 'Client metadata (RFC 7591 §2), e.g. redirect_uris, client_name, grant_types.',
    additionalProperties: true,
  };
  const body = { required: true, content: { 'application/json': { schema: metadata } } };
  const security = [{ [REGISTRATION_TOKEN_SCHEME]: [] }];
  const clientId = [{ name: 'clientId', in: 'path' as const, required: true, schema: text }];
  const errors = {
    400: oauthErrorResponse('The metadata was refused.', [
      'invalid_client_metadata',
      'invalid_redirect_uri',
    ]),
    401: oauthErrorResponse('The access token is missing or not valid.', ['invalid_token']),
  };
  const registered = json('The client, with its credentials.', metadata);
  return {
    [OAUTH_PATHS.registration]: {
      post: operation('Register a client (RFC 7591)', 'Needs the initial access token.', {
        operationId: 'oauth_register',
        security,
        requestBody: body,
        responses: { 201: registered, ...errors },
      }),
    },
    [`${OAUTH_PATHS.registration}/{clientId}`]: {
      get: operation('Read a registration (RFC 7592)', 'Needs the registration access token.', {
        operationId: 'oauth_registration_read',
        security,
        parameters: clientId,
        responses: { 200: registered, 401: errors[401] },
      }),
      put: operation('Update a registration (RFC 7592)', 'Replaces the client metadata.', {
        operationId: 'oauth_registration_update',
        security,
        parameters: clientId,
        requestBody: body,
        responses: { 200: registered, ...errors },
      }),
      delete: operation('Delete a registration (RFC 7592)', 'Deletes the client.', {
        operationId: 'oauth_registration_delete',
        security,
        parameters: clientId,
        responses: { 204: { description: 'Deleted.' }, 401: errors[401] },
      }),
    },
  };
}
