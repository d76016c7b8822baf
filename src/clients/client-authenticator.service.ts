import { Injectable } from '@nestjs/common';
import type { OAuthHttpRequest } from '../http/http-request';
import { createLocalJWKSet, decodeJwt, jwtVerify } from 'jose';
import { clientAssertionAlgorithms } from '../keys/jws';
import { basicCredentialsFrom } from '../common/authorization-header';
import { matchesHash, sha256 } from '../common/crypto';
import { nowMs } from '../common/time';
import { OAuthException } from '../errors/oauth.exception';
import { InjectOAuthConfig, OAUTH_PATHS } from '../oauth.constants';
import type { OAuthConfig } from '../options/oauth-config';
import { OAuthEvents } from '../events/oauth-events';
import { ClientStore } from '../storage/stores/client.store';
import { ClientAssertionStore } from '../storage/stores/client-assertion.store';
import type { OAuthClient } from '../storage/entities/oauth-client.entity';

export const JWT_BEARER_ASSERTION = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/** Compared against when the client does not exist, so unknown ids take as long as wrong secrets. */
const DUMMY_HASH = sha256('no-such-client');

/** What a request tried, read once: used to authenticate and to report a failure. */
interface AuthenticationAttempt {
  method: 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt' | 'none';
  clientId?: string;
  /** The decoded Basic credentials; undefined when the header was malformed. */
  basic?: { id: string; secret: string };
  /** How many methods the request used at once (more than one is refused). */
  methodsUsed: number;
}

function authenticationAttempt(
  header: string | undefined,
  params: Record<string, string>,
): AuthenticationAttempt {
  const triedBasic = /^Basic\b/i.test(header ?? '');
  const basic = triedBasic ? basicCredentialsFrom(header) : undefined;
  const usesAssertion =
    params.client_assertion !== undefined || params.client_assertion_type !== undefined;
  const methodsUsed = [triedBasic, params.client_secret !== undefined, usesAssertion].filter(
    Boolean,
  ).length;
  const method = triedBasic
    ? 'client_secret_basic'
    : params.client_secret !== undefined
      ? 'client_secret_post'
      : usesAssertion
        ? 'private_key_jwt'
        : 'none';
  return { method, clientId: basic?.id ?? params.client_id, basic, methodsUsed };
}

export interface AuthenticatedClient {
  client: OAuthClient;
  method: string;
}

/**
 * Client authentication at the token, PAR, revocation and introspection endpoints (RFC 6749
 * §2.3, RFC 7523 §2.2, RFC 9126 §2). A client must use exactly one method, and the one it
 * registered.
 */
@Injectable()
export class ClientAuthenticator {
  constructor(
    @InjectOAuthConfig() private readonly config: OAuthConfig,
    private readonly clients: ClientStore,
    private readonly assertions: ClientAssertionStore,
    private readonly events: OAuthEvents,
  ) {}

  /** Authenticates the client of a request to `endpoint` (token, par, revocation, introspection). */
  async authenticate(
    request: OAuthHttpRequest,
    params: Record<string, string>,
    endpoint = 'token',
  ): Promise<AuthenticatedClient> {
    const attempt = authenticationAttempt(request.header('authorization'), params);
    try {
      return await this.verify(attempt, params, endpoint);
    } catch (error) {
      if (error instanceof OAuthException && error.error === 'invalid_client') {
        this.events.emit({
          type: 'client.authentication_failed',
          ...(attempt.clientId ? { clientId: attempt.clientId.slice(0, 255) } : {}),
          method: attempt.method,
          endpoint,
        });
      }
      throw error;
    }
  }

  private async verify(
    attempt: AuthenticationAttempt,
    params: Record<string, string>,
    endpoint: string,
  ): Promise<AuthenticatedClient> {
    const triedBasic = attempt.method === 'client_secret_basic';
    if (triedBasic && !attempt.basic) {
      throw OAuthException.invalidClient('Malformed Basic credentials.', true);
    }
    if (attempt.methodsUsed > 1) {
      throw OAuthException.invalidRequest('Use exactly one client authentication method.');
    }
    switch (attempt.method) {
      case 'client_secret_basic':
        return this.bySecret(attempt.method, attempt.clientId, attempt.basic!.secret, params, true);
      case 'client_secret_post':
        return this.bySecret(attempt.method, attempt.clientId, params.client_secret, params, false);
      case 'private_key_jwt':
        return this.byAssertion(params, endpoint);
      default:
        if (attempt.clientId) return this.asPublicClient(attempt.clientId);
        throw OAuthException.invalidClient('Client authentication is required.');
    }
  }

  private async bySecret(
    method: string,
    clientId: string | undefined,
    secret: string,
    params: Record<string, string>,
    triedBasic: boolean,
  ): Promise<AuthenticatedClient> {
    if (!clientId) throw OAuthException.invalidClient('client_id is missing.', triedBasic);
    if (params.client_id !== undefined && params.client_id !== clientId) {
      throw OAuthException.invalidRequest('client_id does not match the authenticated client.');
    }
    const client = await this.clients.find(clientId);
    const secretMatches = matchesHash(secret, client?.clientSecretHash ?? DUMMY_HASH);
    if (!client || !client.clientSecretHash || !secretMatches) {
      throw OAuthException.invalidClient('Client authentication failed.', triedBasic);
    }
    this.assertRegisteredMethod(client, method, triedBasic);
    return { client, method };
  }

  private async asPublicClient(clientId: string): Promise<AuthenticatedClient> {
    const client = await this.clients.find(clientId);
    if (!client) throw OAuthException.invalidClient('Client authentication failed.');
    this.assertRegisteredMethod(client, 'none', false);
    return { client, method: 'none' };
  }

  /** RFC 7523 §3: a JWT signed with a key the client registered, for this server, used once. */
  private async byAssertion(
    params: Record<string, string>,
    endpoint: string,
  ): Promise<AuthenticatedClient> {
    if (params.client_assertion_type !== JWT_BEARER_ASSERTION || !params.client_assertion) {
      throw OAuthException.invalidRequest(
        `client_assertion_type must be ${JWT_BEARER_ASSERTION} with a client_assertion.`,
      );
    }
    let claimedId: string | undefined;
    try {
      claimedId = decodeJwt(params.client_assertion).sub;
    } catch {
      throw OAuthException.invalidClient('The client assertion is not a JWT.');
    }
    if (!claimedId || (params.client_id !== undefined && params.client_id !== claimedId)) {
      throw OAuthException.invalidClient('The client assertion does not name this client.');
    }
    const client = await this.clients.find(claimedId);
    if (!client?.jwks) throw OAuthException.invalidClient('Client authentication failed.');
    this.assertRegisteredMethod(client, 'private_key_jwt', false);
    let payload;
    try {
      ({ payload } = await jwtVerify(params.client_assertion, createLocalJWKSet(client.jwks), {
        algorithms: clientAssertionAlgorithms(this.config.profile),
        issuer: client.clientId,
        subject: client.clientId,
        audience: this.assertionAudiences(endpoint),
        requiredClaims: ['exp', 'jti'],
        clockTolerance: this.config.resourceServer.clockTolerance,
      }));
    } catch {
      throw OAuthException.invalidClient('The client assertion is not valid.');
    }
    await this.rememberAssertion(client.clientId, payload.jti!, payload.exp! * 1000);
    return { client, method: 'private_key_jwt' };
  }

  /**
   * Who a client assertion may be for (RFC 7523 §3): the issuer or the token endpoint, and at
   * the PAR endpoint also that endpoint's URL (RFC 9126 §2). Under FAPI 2.0 the issuer alone
   * (Security Profile §5.3.2.1, after the 2025 audience-injection findings).
   */
  private assertionAudiences(endpoint: string): string[] {
    const { issuer } = this.config;
    if (this.config.profile === 'fapi2') return [issuer];
    const audiences = [issuer, `${issuer}${OAUTH_PATHS.token}`];
    if (endpoint === 'par') audiences.push(`${issuer}${OAUTH_PATHS.par}`);
    return audiences;
  }

  /** Stores the assertion's jti; a second use fails on the primary key. */
  private async rememberAssertion(clientId: string, jti: string, expiresAt: number): Promise<void> {
    if (expiresAt - nowMs() > 3600_000) {
      throw OAuthException.invalidClient(
        'The client assertion may not be valid for more than an hour.',
      );
    }
    if (!(await this.assertions.remember(sha256(`${clientId}\n${jti}`), expiresAt)))
      throw OAuthException.invalidClient('The client assertion was already used.');
  }

  private assertRegisteredMethod(client: OAuthClient, method: string, triedBasic: boolean): void {
    if (
      client.tokenEndpointAuthMethod !== method ||
      !this.config.tokenEndpointAuthMethods.includes(method as never)
    ) {
      throw OAuthException.invalidClient(
        `This client must authenticate with ${client.tokenEndpointAuthMethod}.`,
        triedBasic,
      );
    }
  }
}
