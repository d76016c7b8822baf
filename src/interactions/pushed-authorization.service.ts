import { Injectable } from '@nestjs/common';
import { randomToken, sha256 } from '../common/crypto';
import { nowMs, secondsToMs } from '../common/time';
import { OAuthException } from '../errors/oauth.exception';
import { InteractionError } from '../errors/oauth-server.error';
import { InjectOAuthConfig } from '../oauth.constants';
import type { OAuthConfig } from '../options/oauth-config';
import type { OAuthClient } from '../storage/entities/oauth-client.entity';
import { PushedRequestStore } from '../storage/stores/pushed-request.store';
import {
  AuthorizationRedirectError,
  AuthorizationRequest,
  validateAuthorizationRequest,
} from './authorization-request';
import { matchRedirectUri } from './redirect-uri-match';

/** RFC 9126 §2.2: the form of every `request_uri` this server hands out. */
export const REQUEST_URI_PREFIX = 'urn:ietf:params:oauth:request_uri:';

/**
 * Whether a request_uri at the authorization endpoint names a pushed request. Any other (OIDC's
 * request object by reference, which the server would have to fetch) is not supported.
 */
export function isPushedRequestUri(value: string | undefined): value is string {
  return value?.startsWith(REQUEST_URI_PREFIX) === true;
}

/** The PAR endpoint's answer (RFC 9126 §2.2). */
export interface PushedRequestResponse {
  request_uri: string;
  /** Seconds. */
  expires_in: number;
}

const UNUSABLE_REQUEST_URI =
  'This sign-in link has expired or was already used. Start again from the application.';

/**
 * Pushed authorization requests (RFC 9126): validated when pushed, exactly as the authorization
 * endpoint validates a request, stored for `pushedAuthorizationRequests.ttl` seconds, redeemed
 * once by the client that pushed them.
 */
@Injectable()
export class PushedAuthorizationService {
  constructor(
    @InjectOAuthConfig() private readonly config: OAuthConfig,
    private readonly store: PushedRequestStore,
  ) {}

  /** Whether `client` may only start authorizations through the PAR endpoint (RFC 9126 §5, §6). */
  isRequiredFor(client: OAuthClient): boolean {
    return (
      this.config.pushedAuthorizationRequests.required || client.requirePushedAuthorizationRequests
    );
  }

  /**
   * Checks a pushed request's parameters for `client` (already authenticated). Errors are
   * OAuthExceptions, answered as JSON (RFC 9126 §2.3), never redirects.
   */
  async validate(
    params: Record<string, string>,
    client: OAuthClient,
  ): Promise<AuthorizationRequest> {
    // RFC 9126 §2.1: a request_uri cannot itself be pushed.
    if (params.request_uri !== undefined) {
      throw OAuthException.invalidRequest('request_uri may not be sent to the PAR endpoint.');
    }
    if (this.config.pushedAuthorizationRequests.redirectUriRequired && !params.redirect_uri) {
      throw OAuthException.invalidRequest('redirect_uri is required.');
    }
    const redirectUri = matchRedirectUri(params.redirect_uri, client.redirectUris);
    if (!redirectUri) {
      throw OAuthException.invalidRequest(
        params.redirect_uri === undefined
          ? 'redirect_uri is required: the client registered more than one.'
          : 'redirect_uri is not registered for this client.',
      );
    }
    try {
      return await validateAuthorizationRequest(params, client, redirectUri, this.config);
    } catch (error) {
      if (!(error instanceof AuthorizationRedirectError)) throw error;
      throw new OAuthException(error.error, error.description);
    }
  }

  /**
   * Stores a validated request and returns its new `request_uri`. Whatever else the PAR
   * endpoint checked travels inside `authorization`, to the interaction and the code.
   */
  async push(authorization: AuthorizationRequest): Promise<PushedRequestResponse> {
    const ttl = this.config.pushedAuthorizationRequests.ttl;
    const requestUri = `${REQUEST_URI_PREFIX}${randomToken()}`;
    const now = nowMs();
    await this.store.insert({
      id: sha256(requestUri),
      clientId: authorization.clientId,
      request: authorization,
      expiresAt: now + secondsToMs(ttl),
      consumedAt: null,
      createdAt: now,
    });
    return { request_uri: requestUri, expires_in: ttl };
  }

  /**
   * The request behind `requestUri`, used up by this call (RFC 9126 §4). Unknown, expired, used
   * and other clients' request_uris are refused alike, as an InteractionError: the redirect URI
   * is not known to be good, so the user sees the error, the client is not sent there.
   */
  async redeem(requestUri: string, client: OAuthClient): Promise<AuthorizationRequest> {
    const row = await this.store.take(sha256(requestUri), client.clientId, nowMs());
    if (!row) throw new InteractionError(UNUSABLE_REQUEST_URI);
    // The client's registration may have changed since the push: the redirect URI must still hold.
    const { redirectUri } = row.request;
    if (matchRedirectUri(redirectUri, client.redirectUris) !== redirectUri) {
      throw new InteractionError('The application sent a redirect URI it has not registered.');
    }
    return row.request;
  }
}
