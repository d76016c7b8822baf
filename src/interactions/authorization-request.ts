import { parseScope } from '../common/scope';
import { hasControlCharacters } from '../common/text';
import type { OAuthClient } from '../storage/entities/oauth-client.entity';
import type { StoredAuthorizationDetail } from '../storage/columns';
import { CODE_VERIFIER, S256_CHALLENGE } from '../codes/pkce';
import type { OAuthErrorCode } from '../errors/oauth.exception';
import { OAuthServerError } from '../errors/oauth-server.error';
import { audienceFor } from '../grants/resource-indicator';
import { grantableScopes } from '../grants/scope-policy';
import type { OAuthConfig } from '../options/oauth-config';
import { OAuthException } from '../errors/oauth.exception';
import type { AuthorizationDetail } from '../options/authorization-detail-type';
import {
  checkAuthorizationDetails,
  parseAuthorizationDetails,
} from '../authorization-details/authorization-details';

/** A validated authorization request, as stored with its interaction. */
export interface AuthorizationRequest {
  clientId: string;
  redirectUri: string;
  scopes: string[];
  state?: string;
  nonce?: string;
  codeChallenge?: string;
  codeChallengeMethod?: string;
  prompt: string[];
  maxAge?: number;
  loginHint?: string;
  acrValues?: string;
  /** RFC 8707 resource the tokens will be for (their `aud`). */
  resources?: string[];
  /** RFC 9449 §10: the DPoP key (JWK SHA-256 thumbprint) the code will be bound to. */
  dpopJkt?: string;
  /**
   * RFC 9396: the requested authorization details, checked by their types' validators; replaced
   * by what the user picked when consent offers choices. Stored with the interaction, the pushed
   * request and the code, so nothing after the request can change them.
   */
  authorizationDetails?: StoredAuthorizationDetail[];
}

/** An error the client must hear about at its redirect URI (RFC 6749 §4.1.2.1). */
export class AuthorizationRedirectError extends OAuthServerError {
  constructor(
    readonly error: OAuthErrorCode,
    readonly description: string,
  ) {
    super(description);
  }
}

const PROMPT_VALUES = ['none', 'login', 'consent', 'select_account'];

/**
 * Checks everything after client_id and redirect_uri (those were checked first, by the caller,
 * because without them no redirect may happen).
 */
/**
 * The longest `state` the module echoes, in UTF-8 bytes: percent-encoded into the redirect's
 * Location it grows up to three times, and must leave a client's response headers well under
 * the usual 16 KB limit.
 */
export const MAX_STATE_BYTES = 2048;

/** Whether `state` can be sent back in a redirect (absent, or short enough). */
export function isEchoableState(state: string | undefined): boolean {
  return state === undefined || Buffer.byteLength(state) <= MAX_STATE_BYTES;
}

export async function validateAuthorizationRequest(
  params: Record<string, string>,
  client: OAuthClient,
  redirectUri: string,
  config: OAuthConfig,
): Promise<AuthorizationRequest> {
  const fail = (error: AuthorizationRedirectError['error'], description: string): never => {
    throw new AuthorizationRedirectError(error, description);
  };
  // The authorization endpoint refuses such a state before it could echo it; PAR checks here.
  if (!isEchoableState(params.state)) fail('invalid_request', 'state is too long.');
  if (params.request !== undefined)
    fail('request_not_supported', 'Request objects are not supported.');
  if (params.request_uri !== undefined)
    fail('request_uri_not_supported', 'request_uri is not supported.');
  const responseType = params.response_type;
  if (!responseType) fail('invalid_request', 'response_type is required.');
  if (responseType !== 'code')
    fail('unsupported_response_type', 'Only response_type=code is supported.');
  if (!client.grantTypes.includes('authorization_code')) {
    fail('unauthorized_client', 'This client is not registered for the authorization code flow.');
  }
  if (params.response_mode !== undefined && params.response_mode !== 'query') {
    fail('invalid_request', 'Only response_mode=query is supported.');
  }

  // RFC 9396 §2: the details may replace scope; without scope they are the whole request.
  let authorizationDetails: AuthorizationDetail[] | undefined;
  try {
    authorizationDetails = parseAuthorizationDetails(params.authorization_details, config, client);
  } catch (error) {
    fail('invalid_authorization_details', (error as OAuthException).description);
  }
  let scopes: string[] = [];
  if (params.scope !== undefined || !authorizationDetails) {
    try {
      scopes = grantableScopes(params.scope, client, config, true);
    } catch (error) {
      fail('invalid_scope', (error as OAuthException).description);
    }
  }

  const challenge = params.code_challenge;
  const method = params.code_challenge_method ?? (challenge ? 'plain' : undefined);
  const pkceRequired = client.clientType === 'public' || config.pkce.requiredForConfidentialClients;
  if (!challenge && method)
    fail('invalid_request', 'code_challenge_method without code_challenge.');
  if (!challenge && pkceRequired)
    fail(
      'invalid_request',
      'PKCE is required: send code_challenge with code_challenge_method=S256.',
    );
  if (challenge) {
    if (method === 'plain' && !config.pkce.allowPlain)
      fail('invalid_request', 'code_challenge_method must be S256.');
    if (method !== 'S256' && method !== 'plain')
      fail('invalid_request', 'code_challenge_method must be S256.');
    if (method === 'S256' && !S256_CHALLENGE.test(challenge))
      fail('invalid_request', 'code_challenge is not a valid S256 challenge.');
    if (method === 'plain' && !CODE_VERIFIER.test(challenge))
      fail('invalid_request', 'code_challenge is malformed.');
  }

  const prompt = parseScope(params.prompt);
  if (prompt.some((value) => !PROMPT_VALUES.includes(value)))
    fail('invalid_request', 'Unknown prompt value.');
  if (prompt.includes('none') && prompt.length > 1)
    fail('invalid_request', 'prompt=none cannot be combined with other values.');
  let maxAge: number | undefined;
  if (params.max_age !== undefined) {
    if (!/^\d{1,10}$/.test(params.max_age))
      fail('invalid_request', 'max_age must be a number of seconds.');
    maxAge = Number(params.max_age);
  }
  if ((params.nonce?.length ?? 0) > 512) fail('invalid_request', 'nonce is too long.');
  if (params.nonce !== undefined && hasControlCharacters(params.nonce))
    fail('invalid_request', 'nonce may not contain control characters.');
  const acrValues = params.acr_values;
  if (acrValues !== undefined && (acrValues.length > 2048 || hasControlCharacters(acrValues)))
    fail('invalid_request', 'acr_values is malformed.');

  let resources: string[] | undefined;
  try {
    resources = audienceFor(params.resource, config);
  } catch (error) {
    fail('invalid_target', (error as OAuthException).description);
  }

  const dpopJkt = config.dpop.enabled ? params.dpop_jkt : undefined;
  if (dpopJkt !== undefined && !JWK_THUMBPRINT.test(dpopJkt))
    fail('invalid_request', 'dpop_jkt must be a base64url SHA-256 JWK thumbprint.');

  if (authorizationDetails) {
    try {
      await checkAuthorizationDetails(authorizationDetails, config, {
        clientId: client.clientId,
        userId: null,
      });
    } catch (error) {
      if (!(error instanceof OAuthException)) throw error;
      fail('invalid_authorization_details', error.description);
    }
  }

  return {
    clientId: client.clientId,
    redirectUri,
    scopes,
    state: params.state,
    nonce: params.nonce,
    codeChallenge: challenge,
    codeChallengeMethod: challenge ? method : undefined,
    prompt,
    maxAge,
    loginHint: params.login_hint,
    acrValues: acrValues || undefined,
    resources,
    dpopJkt,
    ...(authorizationDetails ? { authorizationDetails } : {}),
  };
}

/** A base64url SHA-256 digest: 43 characters. */
const JWK_THUMBPRINT = /^[A-Za-z0-9_-]{43}$/;
