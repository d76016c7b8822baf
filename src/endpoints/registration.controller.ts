import {
  Body,
  Controller,
  Delete,
  Get,
  Param,
  Post,
  Put,
  Req,
  Res,
  UseFilters,
} from '@nestjs/common';
import { NO_STORE, NOSNIFF, sendJson } from '../common/json-response';
import { bearerTokenFrom } from '../common/authorization-header';
import { constantTimeEqual, matchesHash, randomToken } from '../common/crypto';
import { ClientService, ClientView, toView } from '../clients/client.service';
import { ClientStore } from '../storage/stores/client.store';
import { fromDcrMetadata, toDcrMetadata } from '../clients/dcr-metadata';
import { OAuthClient } from '../storage/entities/oauth-client.entity';
import { OAuthExceptionFilter } from '../errors/oauth-exception.filter';
import { OAuthException } from '../errors/oauth.exception';
import { AdapterRequest, httpRequestOf, OAuthHttpRequest } from '../http/http-request';
import { AdapterResponse, httpReplyOf } from '../http/http-reply';
import { InjectOAuthConfig, OAUTH_PATHS } from '../oauth.constants';
import type { OAuthConfig } from '../options/oauth-config';
import { Public } from '../resource/decorators';
import { checkBodyEncoding } from './form-params';

/**
 * Dynamic Client Registration (RFC 7591) guarded by the initial access token, and client
 * configuration (RFC 7592) guarded by each client's registration access token. Off unless
 * `registration.enabled`.
 */
@Public()
@Controller(OAUTH_PATHS.registration)
@UseFilters(OAuthExceptionFilter)
export class RegistrationController {
  constructor(
    @InjectOAuthConfig() private readonly config: OAuthConfig,
    private readonly clients: ClientService,
    private readonly clientStore: ClientStore,
  ) {}

  @Post()
  async register(
    @Req() raw: AdapterRequest,
    @Body() body: unknown,
    @Res() response: AdapterResponse,
  ): Promise<void> {
    this.assertEnabled();
    const token = this.bearer(httpRequestOf(raw));
    if (!constantTimeEqual(token, this.config.registration.initialAccessToken!)) {
      throw this.invalidToken('The initial access token is not valid.');
    }
    const registrationAccessToken = randomToken();
    const { client, clientSecret } = await this.clients.register(
      fromDcrMetadata(this.jsonBody(httpRequestOf(raw), body)),
      { registrationAccessToken },
    );
    sendJson(
      httpReplyOf(response),
      201,
      {
        ...toDcrMetadata(client),
        ...(clientSecret ? { client_secret: clientSecret, client_secret_expires_at: 0 } : {}),
        registration_access_token: registrationAccessToken,
        registration_client_uri: this.clientUri(client.clientId),
      },
      NO_STORE,
    );
  }

  @Get(':clientId')
  async read(
    @Req() raw: AdapterRequest,
    @Param('clientId') clientId: string,
    @Res() response: AdapterResponse,
  ): Promise<void> {
    const client = await this.authorizedClient(httpRequestOf(raw), clientId);
    sendJson(httpReplyOf(response), 200, this.configurationResponse(toView(client)), NO_STORE);
  }

  @Put(':clientId')
  async update(
    @Req() raw: AdapterRequest,
    @Param('clientId') clientId: string,
    @Body() body: unknown,
    @Res() response: AdapterResponse,
  ): Promise<void> {
    const client = await this.authorizedClient(httpRequestOf(raw), clientId);
    const fields = (this.jsonBody(httpRequestOf(raw), body) ?? {}) as Record<string, unknown>;
    // RFC 7592 §2.2: the body carries client_id; it must not try to set server-issued values.
    if (fields.client_id !== clientId) {
      throw OAuthException.invalidRequest(
        'client_id in the body must match the client being updated.',
      );
    }
    if ('registration_access_token' in fields || 'registration_client_uri' in fields) {
      throw OAuthException.invalidRequest(
        'registration_access_token and registration_client_uri cannot be set.',
      );
    }
    if (
      fields.client_secret !== undefined &&
      !(
        typeof fields.client_secret === 'string' &&
        client.clientSecretHash &&
        matchesHash(fields.client_secret, client.clientSecretHash)
      )
    ) {
      throw OAuthException.invalidRequest('client_secret does not match the issued secret.');
    }
    const registration = fromDcrMetadata(fields);
    // Omitted fields take their defaults (RFC 7592: a full replacement), but the client's
    // authentication method stays unless given, so a PUT cannot silently turn it public.
    const updated = await this.clients.update(clientId, {
      ...registration,
      tokenEndpointAuthMethod:
        registration.tokenEndpointAuthMethod ?? client.tokenEndpointAuthMethod,
    });
    sendJson(httpReplyOf(response), 200, this.configurationResponse(updated), NO_STORE);
  }

  @Delete(':clientId')
  async remove(
    @Req() raw: AdapterRequest,
    @Param('clientId') clientId: string,
    @Res() response: AdapterResponse,
  ): Promise<void> {
    await this.authorizedClient(httpRequestOf(raw), clientId);
    await this.clients.delete(clientId);
    httpReplyOf(response).send(204, { ...NO_STORE, ...NOSNIFF }, '');
  }

  private configurationResponse(client: ClientView) {
    return {
      ...toDcrMetadata(client),
      registration_client_uri: this.clientUri(client.clientId),
    };
  }

  /** RFC 7592 §2: the registration access token must belong to this client; anything else is 401. */
  private async authorizedClient(
    request: OAuthHttpRequest,
    clientId: string,
  ): Promise<OAuthClient> {
    this.assertEnabled();
    const token = this.bearer(request);
    const client = await this.clientStore.find(clientId);
    if (
      !client?.registrationAccessTokenHash ||
      !matchesHash(token, client.registrationAccessTokenHash)
    ) {
      throw this.invalidToken('The registration access token is not valid for this client.');
    }
    return client;
  }

  /** RFC 7591 §3.1 / RFC 7592 §2.2: metadata is sent as JSON; a form body is not metadata. */
  private jsonBody(request: OAuthHttpRequest, body: unknown): unknown {
    if (request.mediaType !== 'application/json') {
      throw OAuthException.invalidClientMetadata(
        'the request body must be a JSON object of client metadata (Content-Type: application/json)',
      );
    }
    checkBodyEncoding(request);
    return body;
  }

  private bearer(request: OAuthHttpRequest): string {
    const token = bearerTokenFrom(request.header('authorization'));
    if (!token) {
      throw OAuthException.tokenRequired(
        this.config.resourceServer.realm,
        'A bearer token is required.',
      );
    }
    return token;
  }

  private invalidToken(description: string): OAuthException {
    return OAuthException.invalidToken(description, this.config.resourceServer.realm);
  }

  private assertEnabled(): void {
    if (!this.config.registration.enabled) throw OAuthException.notFound();
  }

  private clientUri(clientId: string): string {
    return `${this.config.issuer}${OAUTH_PATHS.registration}/${encodeURIComponent(clientId)}`;
  }
}
