import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { TokenRevocationService } from '../tokens/token-revocation.service';
import { randomToken, sha256 } from '../common/crypto';
import { nowMs } from '../common/time';
import { ClientNotFoundError, InvalidClientMetadataError } from '../errors/oauth-server.error';
import { isStorableId } from '../storage/columns';
import { inTransaction } from '../storage/transaction';
import { LeanSql } from '../storage/lean-sql';
import { OAuthEvents } from '../events/oauth-events';
import { InjectOAuthConfig, InjectOAuthDataSource } from '../oauth.constants';
import type { OAuthConfig } from '../options/oauth-config';
import { ClientRegistration, validateClientMetadata } from './client-metadata';
import { OAuthClient } from '../storage/entities/oauth-client.entity';

/** A registered client as callers see it: never its secret or secret hash. */
export type ClientView = Omit<OAuthClient, 'clientSecretHash' | 'registrationAccessTokenHash'>;

export interface RegisteredClient {
  client: ClientView;
  /** Only for confidential clients, shown this once: only its hash is stored. */
  clientSecret?: string;
}

/** Registers and manages applications (clients). Used by the CLI, DCR and host code alike. */
@Injectable()
export class ClientService {
  constructor(
    @InjectOAuthConfig() private readonly config: OAuthConfig,
    @InjectOAuthDataSource() private readonly dataSource: DataSource,
    private readonly events: OAuthEvents,
    private readonly revocation: TokenRevocationService,
  ) {}

  private get repository() {
    return this.dataSource.getRepository(OAuthClient);
  }

  private readonly lean = LeanSql.for(this.dataSource);
  private readonly findByClientId = this.lean?.table(OAuthClient).finder('clientId');

  /** Validates and stores a new client; returns its id and (confidential clients) its secret. */
  async register(
    input: ClientRegistration,
    extra: Partial<OAuthClient> = {},
  ): Promise<RegisteredClient> {
    const metadata = validateClientMetadata(input, this.config);
    const usesSecret = metadata.tokenEndpointAuthMethod.startsWith('client_secret_');
    const clientSecret = usesSecret ? randomToken() : undefined;
    const now = nowMs();
    const client = this.repository.create({
      ...metadata,
      clientId: randomUUID(),
      clientSecretHash: clientSecret ? sha256(clientSecret) : null,
      registrationAccessTokenHash: null,
      createdAt: now,
      updatedAt: now,
      ...extra,
    });
    // A copy: without RETURNING (MySQL/MariaDB) TypeORM re-reads the columns that have defaults
    // into the inserted object unconverted, which would turn firstParty into 0/1.
    await this.repository.insert({ ...client });
    return { client: toView(client), clientSecret };
  }

  /** The stored client including hashes, for the module's own authentication code. */
  async findRecord(clientId: string): Promise<OAuthClient | null> {
    if (!isStorableId(clientId, 255)) return null;
    // Read on every request that authenticates a client, never cached: a rotated secret or a
    // deleted client takes effect at once, on every instance.
    if (this.findByClientId) return this.findByClientId(clientId);
    return this.repository.findOneBy({ clientId });
  }

  async get(clientId: string): Promise<ClientView> {
    const client = await this.findRecord(clientId);
    if (!client) throw new ClientNotFoundError(clientId);
    return toView(client);
  }

  /** All clients, or those of one owner, oldest first. */
  async list(filter: { owner?: string } = {}): Promise<ClientView[]> {
    const clients = await this.repository.find({
      where: filter.owner !== undefined ? { owner: filter.owner } : {},
      order: { createdAt: 'ASC' },
    });
    return clients.map(toView);
  }

  /**
   * Replaces the client's metadata with `changes` merged over its current metadata, validated
   * like a registration. Changing between public and confidential is refused (it would need a
   * new secret or leave one behind): register a new client instead.
   */
  async update(clientId: string, changes: Partial<ClientRegistration>): Promise<ClientView> {
    const current = await this.findRecord(clientId);
    if (!current) throw new ClientNotFoundError(clientId);
    const metadata = validateClientMetadata(
      { ...toRegistration(current), ...changes },
      this.config,
    );
    if (metadata.clientType !== current.clientType) {
      throw new InvalidClientMetadataError(
        'a client cannot change between public and confidential (token_endpoint_auth_method none): register a new client',
      );
    }
    await this.repository.update({ clientId }, { ...metadata, updatedAt: nowMs() });
    return this.get(clientId);
  }

  /** Issues a new secret (shown once); the old one stops working at once. */
  async rotateSecret(clientId: string): Promise<string> {
    const client = await this.findRecord(clientId);
    if (!client) throw new ClientNotFoundError(clientId);
    if (!client.tokenEndpointAuthMethod.startsWith('client_secret_')) {
      throw new InvalidClientMetadataError(
        `This client authenticates with ${client.tokenEndpointAuthMethod}: it has no secret to rotate.`,
      );
    }
    const clientSecret = randomToken();
    await this.repository.update(
      { clientId },
      { clientSecretHash: sha256(clientSecret), updatedAt: nowMs() },
    );
    return clientSecret;
  }

  /** Deletes the client, revokes its tokens and forgets its codes and consents, in one transaction. */
  async delete(clientId: string): Promise<void> {
    const count = await inTransaction(this.dataSource, async (manager) => {
      const result = await manager.delete(OAuthClient, { clientId });
      if (!result.affected) throw new ClientNotFoundError(clientId);
      return this.revocation.revokeAndForget(manager, { clientId });
    });
    this.events.emit({ type: 'token.revoked', clientId, reason: 'client_deleted', count });
  }
}

export function toView(client: OAuthClient): ClientView {
  const { clientSecretHash: _secret, registrationAccessTokenHash: _rat, ...view } = client;
  return view;
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
    owner: client.owner,
  };
}
