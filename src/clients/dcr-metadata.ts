import { formatScope, parseScope } from '../common/scope';
import { InvalidClientMetadataError } from '../errors/oauth-server.error';
import type { ClientRegistration } from './client-metadata';
import type { ClientView } from './client.service';

/** RFC 7591 §2 client metadata (JSON names) -> our registration input. */
export function fromDcrMetadata(body: unknown): ClientRegistration {
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    throw new InvalidClientMetadataError(
      'the request body must be a JSON object of client metadata',
    );
  }
  const m = body as Record<string, unknown>;
  if (m.scope !== undefined && typeof m.scope !== 'string') {
    throw new InvalidClientMetadataError('scope must be a space-separated string');
  }
  const grantTypes = (m.grant_types as string[] | undefined) ?? ['authorization_code'];
  const responseTypes =
    m.response_types ??
    (Array.isArray(grantTypes) && grantTypes.includes('authorization_code') ? ['code'] : []);
  // RFC 7591 §2.1: response_types and grant_types must agree.
  if (!Array.isArray(responseTypes) || responseTypes.some((type) => type !== 'code')) {
    throw new InvalidClientMetadataError('response_types may only contain "code"');
  }
  if (
    Array.isArray(grantTypes) &&
    responseTypes.includes('code') !== grantTypes.includes('authorization_code')
  ) {
    throw new InvalidClientMetadataError(
      'response_types "code" goes with grant_types "authorization_code"',
    );
  }
  // Back-Channel Logout §2.2: this server's logout tokens carry sub, never sid.
  if (m.backchannel_logout_session_required !== undefined) {
    if (typeof m.backchannel_logout_session_required !== 'boolean') {
      throw new InvalidClientMetadataError(
        'backchannel_logout_session_required must be true or false',
      );
    }
    if (m.backchannel_logout_session_required) {
      throw new InvalidClientMetadataError(
        'backchannel_logout_session_required: this server identifies users by sub, not sid (backchannel_logout_session_supported is false)',
      );
    }
  }
  if (m.backchannel_logout_uri !== undefined && typeof m.backchannel_logout_uri !== 'string') {
    throw new InvalidClientMetadataError('backchannel_logout_uri must be a string');
  }
  return {
    name: m.client_name as string,
    website: (m.client_uri as string | undefined) ?? null,
    redirectUris: (m.redirect_uris as string[] | undefined) ?? [],
    grantTypes,
    scopes: m.scope === undefined ? undefined : parseScope(m.scope as string),
    tokenEndpointAuthMethod: m.token_endpoint_auth_method as string | undefined,
    jwks: (m.jwks as ClientRegistration['jwks']) ?? null,
    dpopBoundAccessTokens: m.dpop_bound_access_tokens as boolean | undefined,
    // RFC 9396 §10; checked (a list of supported types) with the rest of the metadata.
    authorizationDetailsTypes: m.authorization_details_types as string[] | undefined,
    // RFC 9126 §6; checked (a boolean) with the rest of the metadata.
    requirePushedAuthorizationRequests: m.require_pushed_authorization_requests as
      boolean | undefined,
    // OpenID Connect RP-Initiated Logout §3.1 and Back-Channel Logout §2.2.
    postLogoutRedirectUris: m.post_logout_redirect_uris as string[] | undefined,
    backchannelLogoutUri: (m.backchannel_logout_uri as string | undefined) ?? null,
  };
}

/** Our client -> RFC 7591 §3.2.1 response members. */
export function toDcrMetadata(client: ClientView): Record<string, unknown> {
  return {
    client_id: client.clientId,
    client_id_issued_at: Math.floor(client.createdAt / 1000),
    client_name: client.name,
    ...(client.website ? { client_uri: client.website } : {}),
    redirect_uris: client.redirectUris,
    grant_types: client.grantTypes,
    response_types: client.grantTypes.includes('authorization_code') ? ['code'] : [],
    scope: formatScope(client.scopes),
    token_endpoint_auth_method: client.tokenEndpointAuthMethod,
    ...(client.jwks ? { jwks: client.jwks } : {}),
    // RFC 9449 §5.2: false when absent, so only `true` is said.
    ...(client.dpopBoundAccessTokens ? { dpop_bound_access_tokens: true } : {}),
    ...(client.authorizationDetailsTypes
      ? { authorization_details_types: client.authorizationDetailsTypes }
      : {}),
    // RFC 9126 §6: omitted means false.
    ...(client.requirePushedAuthorizationRequests
      ? { require_pushed_authorization_requests: true }
      : {}),
    ...(client.postLogoutRedirectUris.length > 0
      ? { post_logout_redirect_uris: client.postLogoutRedirectUris }
      : {}),
    ...(client.backchannelLogoutUri
      ? {
          backchannel_logout_uri: client.backchannelLogoutUri,
          backchannel_logout_session_required: false,
        }
      : {}),
  };
}
