import type { ResponseObject, SchemaObject } from '@nestjs/swagger';

/** The component name of the error body every OAuth error has (RFC 6749 §5.2, RFC 6750 §3). */
export const OAUTH_ERROR_SCHEMA = 'OAuthError';

export const oauthErrorSchema: SchemaObject = {
  type: 'object',
  required: ['error'],
  properties: {
    error: { type: 'string', description: 'An error code, e.g. invalid_token.' },
    error_description: { type: 'string', description: 'A sentence for the developer.' },
  },
};

const ERROR_BODY = { $ref: `#/components/schemas/${OAUTH_ERROR_SCHEMA}` };

/** A JSON error response in the OAuth shape, optionally listing the codes it may carry. */
export function oauthErrorResponse(
  description: string,
  codes: string[],
  headers: ResponseObject['headers'] = {},
): ResponseObject {
  const schema: SchemaObject = {
    allOf: [ERROR_BODY, { properties: { error: { type: 'string', enum: codes } } }],
  };
  return { description, headers, content: { 'application/json': { schema } } };
}

/** RFC 6750 §3: the challenge a resource server sends with a bearer token error. */
export const WWW_AUTHENTICATE_BEARER = {
  'WWW-Authenticate': {
    description: 'The Bearer challenge (RFC 6750 §3), with error and scope when they apply.',
    schema: { type: 'string' as const },
  },
};
