import { toView } from '../clients/client.service';
import { excerpt } from '../common/text';
import { All, Controller, Req, Res, UseFilters } from '@nestjs/common';
import { ClientAuthenticator } from '../clients/client-authenticator.service';
import { OAuthExceptionFilter } from '../errors/oauth-exception.filter';
import { OAuthException } from '../errors/oauth.exception';
import { GrantRegistry } from '../grants/grant-registry.service';
import { AdapterRequest, httpRequestOf } from '../http/http-request';
import { AdapterResponse, httpReplyOf } from '../http/http-reply';
import { OAUTH_PATHS } from '../oauth.constants';
import { formParams } from './form-params';
import { NO_STORE, sendJson } from '../common/json-response';
import { Public } from '../resource/decorators';
import { TokenEndpointDpop } from '../dpop/token-endpoint-dpop.service';

/** `POST /oauth/token` (RFC 6749 §3.2): authenticate the client, then hand over to its grant. */
@Public()
@Controller(OAUTH_PATHS.token)
@UseFilters(OAuthExceptionFilter)
export class TokenController {
  constructor(
    private readonly clients: ClientAuthenticator,
    private readonly grants: GrantRegistry,
    private readonly dpop: TokenEndpointDpop,
  ) {}

  /**
   * One route for every method (Fastify refuses a POST route beside an all-methods one): RFC
   * 6749 §3.2 requires POST, anything else is 405.
   */
  @All()
  async token(@Req() raw: AdapterRequest, @Res() response: AdapterResponse): Promise<void> {
    const request = httpRequestOf(raw);
    if (request.method !== 'POST') {
      throw new OAuthException('invalid_request', 'The token endpoint accepts only POST.', 405, {
        Allow: 'POST',
      });
    }
    const params = formParams(request);
    const grantType = params.grant_type;
    if (!grantType) throw OAuthException.invalidRequest('grant_type is required.');
    const grant = this.grants.find(grantType);
    if (!grant)
      throw OAuthException.unsupportedGrantType(
        `The grant type ${excerpt(grantType)} is not supported.`,
      );

    const { client, method } = await this.clients.authenticate(request, params);
    if (method === 'none' && !grant.allowsPublicClients) {
      throw OAuthException.unauthorizedClient(`Public clients cannot use ${grantType}.`);
    }
    if (!client.grantTypes.includes(grantType)) {
      throw OAuthException.unauthorizedClient(`This client is not registered for ${grantType}.`);
    }
    // RFC 9449 §5: checked before the grant, so a bad proof spends nothing.
    const dpop = await this.dpop.proofOf(request, client);
    const tokens = await grant.handle({
      grantType,
      params,
      // Grants (a host's too) see the client without its hashes.
      client: toView(client),
      authMethod: method,
      request,
      dpop,
    });
    sendJson(httpReplyOf(response), 200, tokens, { ...NO_STORE, ...this.dpop.responseHeaders() });
  }
}
