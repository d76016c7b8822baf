import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { randomToken, sha256 } from '../common/crypto';
import { nowMs } from '../common/time';
import { ClientNotFoundError, InvalidClientMetadataError } from '../errors/oauth-server.error';
import { OAuthEvents } from '../events/oauth-events';
import { InjectOAuthConfig } from '../oauth.constants';
import type { OAuthConfig } from '../options/oauth-config';
import type { OAuthClient } from '../storage/entities/oauth-client.entity';
import { ClientStore } from '../storage/stores/client.store';
import { ClientRegistration, ValidClientMetadata, validateClientMetadata } from './client-metadata';

/** A registered client as callers see it: never its secret or any hash. */
export interface ClientView extends ValidClientMetadata {
  clientId: string;
  /** Epoch milliseconds. */
  createdAt: number;
  /** Epoch milliseconds. */
  updatedAt: number;
}

export interface RegisteredClient {
  client: ClientView;
  /** Only for confidential clients, shown this once: only its hash is stored. */
  clientSecret?: string;
}

/** Registers and manages applications (clients). Used by the CLI, DCR and host code alike. */
@Injectable()
export class ClientService {
  /** @internal Nest constructs it with internal services: inject it instead. */
  constructor(
    @InjectOAuthConfig() private readonly config: OAuthConfig,
    private readonly store: ClientStore,
    private readonly events: OAuthEvents,
  ) {}

  /**
   * Validates and stores a new client; returns it and (confidential clients) its secret.
   * `registrationAccessToken` (RFC 7592) lets the client manage its own registration; only its
   * hash is stored.
   */
  async register(
    input: ClientRegistration,
    options: { registrationAccessToken?: string } = {},
  ): Promise<RegisteredClient> {
    const metadata = validateClientMetadata(input, this.config);
    const usesSecret = metadata.tokenEndpointAuthMethod.startsWith('client_secret_');
    const clientSecret = usesSecret ? randomToken() : undefined;
    const now = nowMs();
    const client: OAuthClient = {
      ...metadata,
      clientId: randomUUID(),
      clientSecretHash: clientSecret ? sha256(clientSecret) : null,
      registrationAccessTokenHash: options.registrationAccessToken
        ? sha256(options.registrationAccessToken)
        : null,
      createdAt: now,
      updatedAt: now,
    };
    await this.store.insert(client);
    return { client: toView(client), clientSecret };
  }

  async get(clientId: string): Promise<ClientView> {
    return toView(await this.record(clientId));
  }

  /** All clients, or those of one owner, oldest first. */
  async list(filter: { owner?: string } = {}): Promise<ClientView[]> {
    return (await this.store.list(filter)).map(toView);
  }

  /**
   * Replaces the client's metadata with `changes` merged over its current metadata, validated
   * like a registration. Changing between public and confidential is refused (it would need a
   * new secret or leave one behind): register a new client instead.
   */
  async update(clientId: string, changes: Partial<ClientRegistration>): Promise<ClientView> {
    const current = await this.record(clientId);
    const metadata = validateClientMetadata(
      { ...toRegistration(current), ...changes },
      this.config,
    );
    if (metadata.clientType !== current.clientType) {
      throw new InvalidClientMetadataError(
        'a client cannot change between public and confidential (token_endpoint_auth_method none): register a new client',
      );
    }
    if (!(await this.store.update(clientId, { ...metadata, updatedAt: nowMs() })))
      throw new ClientNotFoundError(clientId);
    return this.get(clientId);
  }

  /** Issues a new secret (shown once); the old one stops working at once. */
  async rotateSecret(clientId: string): Promise<string> {
    const client = await this.record(clientId);
    if (!client.tokenEndpointAuthMethod.startsWith('client_secret_')) {
      throw new InvalidClientMetadataError(
        `This client authenticates with ${client.tokenEndpointAuthMethod}: it has no secret to rotate.`,
      );
    }
    const clientSecret = randomToken();
    const rotated = await this.store.update(clientId, {
      clientSecretHash: sha256(clientSecret),
      updatedAt: nowMs(),
    });
    if (!rotated) throw new ClientNotFoundError(clientId);
    return clientSecret;
  }

  /** Deletes the client, revokes its tokens and forgets its codes and consents, in one transaction. */
  async delete(clientId: string): Promise<void> {
    const count = await this.store.deleteWithGrants(clientId, nowMs());
    if (count === null) throw new ClientNotFoundError(clientId);
    this.events.emit({ type: 'token.revoked', clientId, reason: 'client_deleted', count });
  }

  private async record(clientId: string): Promise<OAuthClient> {
    const client = await this.store.find(clientId);
    if (!client) throw new ClientNotFoundError(clientId);
    return client;
  }
}

export function toView(client: OAuthClient): ClientView {
  const { clientSecretHash: _secret, registrationAccessTokenHash: _rat, ...view } = client;
  // Clients registered before logout existed have no list (null): none.
  return { ...view, postLogoutRedirectUris: client.postLogoutRedirectUris ?? [] };
}

function toRegistration(client: OAuthClient): ClientRegistration {
  return {
    name: client.name,
    website: client.website,
    redirectUris: client.redirectUris,
    grantTypes: client.grantTypes,
    scopes: client.scopes,
    tokenEndpointAuthMethod: client.tokenEndpointAuthMethod,
    jwks: client.jwks,
    firstParty: client.firstParty,
    requirePushedAuthorizationRequests: client.requirePushedAuthorizationRequests,
    owner: client.owner,
    dpopBoundAccessTokens: client.dpopBoundAccessTokens,
    postLogoutRedirectUris: client.postLogoutRedirectUris ?? [],
    backchannelLogoutUri: client.backchannelLogoutUri,
    authorizationDetailsTypes: client.authorizationDetailsTypes,
  };
}
