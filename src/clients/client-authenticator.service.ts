import { Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { createLocalJWKSet, decodeJwt, jwtVerify } from 'jose';
import { DataSource, QueryFailedError } from 'typeorm';
import { basicCredentialsFrom } from '../common/authorization-header';
import { matchesHash, sha256 } from '../common/crypto';
import { nowMs } from '../common/time';
import { OAuthException } from '../errors/oauth.exception';
import { InjectOAuthConfig, InjectOAuthDataSource, OAUTH_PATHS } from '../oauth.constants';
import type { OAuthConfig } from '../options/oauth-config';
import { OAuthEvents } from '../events/oauth-events';
import { ClientService } from './client.service';
import { OAuthClientAssertion } from './oauth-client-assertion.entity';
import type { OAuthClient } from './oauth-client.entity';

export const JWT_BEARER_ASSERTION = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const ASSERTION_ALGORITHMS = ['RS256', 'PS256', 'ES256', 'EdDSA'];
/** Compared against when the client does not exist, so unknown ids take as long as wrong secrets. */
const DUMMY_HASH = sha256('no-such-client');

export interface AuthenticatedClient {
  client: OAuthClient;
  method: string;
}

/**
 * Client authentication at the token, revocation and introspection endpoints (RFC 6749 §2.3,
 * RFC 7523 §2.2). A client must use exactly one method, and the one it registered.
 */
@Injectable()
export class ClientAuthenticator {
  constructor(
    @InjectOAuthConfig() private readonly config: OAuthConfig,
    @InjectOAuthDataSource() private readonly dataSource: DataSource,
    private readonly clients: ClientService,
    private readonly events: OAuthEvents,
  ) {}

  /** Authenticates the client of a request to `endpoint` (token, revocation, introspection). */
  async authenticate(
    request: Request,
    params: Record<string, string>,
    endpoint = 'token',
  ): Promise<AuthenticatedClient> {
    try {
      return await this.authenticateOnce(request, params);
    } catch (error) {
      if (error instanceof OAuthException && error.error === 'invalid_client') {
        const basic = basicCredentialsFrom(request.headers.authorization);
        const clientId = basic?.id ?? params.client_id;
        this.events.emit({
          type: 'client.authentication_failed',
          ...(clientId ? { clientId: clientId.slice(0, 255) } : {}),
          method: basic
            ? 'client_secret_basic'
            : params.client_secret
              ? 'client_secret_post'
              : params.client_assertion
                ? 'private_key_jwt'
                : 'none',
          endpoint,
        });
      }
      throw error;
    }
  }

  private async authenticateOnce(
    request: Request,
    params: Record<string, string>,
  ): Promise<AuthenticatedClient> {
    const header = request.headers.authorization;
    const triedBasic = /^Basic\b/i.test(header ?? '');
    const basic = triedBasic ? basicCredentialsFrom(header) : undefined;
    if (triedBasic && !basic)
      throw OAuthException.invalidClient('Malformed Basic credentials.', true);

    const methodsUsed = [basic, params.client_secret, params.client_assertion].filter(
      (v) => v !== undefined,
    );
    if (methodsUsed.length > 1) {
      throw OAuthException.invalidRequest('Use exactly one client authentication method.');
    }
    if (basic) return this.bySecret('client_secret_basic', basic.id, basic.secret, params, true);
    if (params.client_secret !== undefined) {
      return this.bySecret(
        'client_secret_post',
        params.client_id,
        params.client_secret,
        params,
        false,
      );
    }
    if (params.client_assertion !== undefined || params.client_assertion_type !== undefined) {
      return this.byAssertion(params);
    }
    if (params.client_id) return this.asPublicClient(params.client_id);
    throw OAuthException.invalidClient('Client authentication is required.');
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
    const client = await this.clients.findRecord(clientId);
    const secretMatches = matchesHash(secret, client?.clientSecretHash ?? DUMMY_HASH);
    if (!client || !client.clientSecretHash || !secretMatches) {
      throw OAuthException.invalidClient('Client authentication failed.', triedBasic);
    }
    this.assertRegisteredMethod(client, method, triedBasic);
    return { client, method };
  }

  private async asPublicClient(clientId: string): Promise<AuthenticatedClient> {
    const client = await this.clients.findRecord(clientId);
    if (!client) throw OAuthException.invalidClient('Client authentication failed.');
    this.assertRegisteredMethod(client, 'none', false);
    return { client, method: 'none' };
  }

  /** RFC 7523 §3: a JWT signed with a key the client registered, for this server, used once. */
  private async byAssertion(params: Record<string, string>): Promise<AuthenticatedClient> {
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
    const client = await this.clients.findRecord(claimedId);
    if (!client?.jwks) throw OAuthException.invalidClient('Client authentication failed.');
    this.assertRegisteredMethod(client, 'private_key_jwt', false);
    let payload;
    try {
      ({ payload } = await jwtVerify(params.client_assertion, createLocalJWKSet(client.jwks), {
        algorithms: ASSERTION_ALGORITHMS,
        issuer: client.clientId,
        subject: client.clientId,
        audience: [this.config.issuer, `${this.config.issuer}${OAUTH_PATHS.token}`],
        requiredClaims: ['exp', 'jti'],
        clockTolerance: this.config.resourceServer.clockTolerance,
      }));
    } catch {
      throw OAuthException.invalidClient('The client assertion is not valid.');
    }
    await this.rememberAssertion(client.clientId, payload.jti!, payload.exp! * 1000);
    return { client, method: 'private_key_jwt' };
  }

  /** Stores the assertion's jti; a second use fails on the primary key. */
  private async rememberAssertion(clientId: string, jti: string, expiresAt: number): Promise<void> {
    if (expiresAt - nowMs() > 3600_000) {
      throw OAuthException.invalidClient(
        'The client assertion may not be valid for more than an hour.',
      );
    }
    try {
      await this.dataSource
        .getRepository(OAuthClientAssertion)
        .insert({ id: sha256(`${clientId}\n${jti}`), expiresAt });
    } catch (error) {
      if (error instanceof QueryFailedError)
        throw OAuthException.invalidClient('The client assertion was already used.');
      throw error;
    }
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
