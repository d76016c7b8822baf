import { TokenEndpointDpop } from '../dpop/token-endpoint-dpop.service';
import { All, Controller, Req, Res, UseFilters } from '@nestjs/common';
import { ClientAuthenticator } from '../clients/client-authenticator.service';
import { NO_STORE, sendJson } from '../common/json-response';
import { OAuthExceptionFilter } from '../errors/oauth-exception.filter';
import { OAuthException } from '../errors/oauth.exception';
import { AdapterRequest, httpRequestOf } from '../http/http-request';
import { AdapterResponse, httpReplyOf } from '../http/http-reply';
import { PushedAuthorizationService } from '../interactions/pushed-authorization.service';
import { OAUTH_PATHS } from '../oauth.constants';
import { Public } from '../resource/decorators';
import { formParams } from './form-params';

/**
 * `POST /oauth/par` (RFC 9126 §2): an authenticated client pushes its authorization request and
 * gets a single-use, short-lived `request_uri` for the authorization endpoint. Errors are JSON,
 * as at the token endpoint.
 */
@Public()
@Controller(OAUTH_PATHS.par)
@UseFilters(OAuthExceptionFilter)
export class ParController {
  constructor(
    private readonly clients: ClientAuthenticator,
    private readonly pushed: PushedAuthorizationService,
    private readonly dpop: TokenEndpointDpop,
  ) {}

  /** One route for every method, like the token endpoint: anything but POST is 405. */
  @All()
  async push(@Req() raw: AdapterRequest, @Res() response: AdapterResponse): Promise<void> {
    const request = httpRequestOf(raw);
    if (request.method !== 'POST') {
      throw new OAuthException('invalid_request', 'The PAR endpoint accepts only POST.', 405, {
        Allow: 'POST',
      });
    }
    const params = formParams(request);
    const { client } = await this.clients.authenticate(request, params, 'par');
    const authorization = await this.pushed.validate(params, client);
    // RFC 9449 §10.1: a DPoP proof here binds the code to its key, like dpop_jkt (which, if
    // also sent, must name the same key). `authorization` carries it to the code.
    const proof = await this.dpop.proofAtPar(request);
    if (proof) {
      if (authorization.dpopJkt !== undefined && authorization.dpopJkt !== proof.jkt) {
        throw OAuthException.invalidRequest('dpop_jkt does not match the key of the DPoP proof.');
      }
      authorization.dpopJkt = proof.jkt;
    }
    const answer = await this.pushed.push(authorization);
    sendJson(httpReplyOf(response), 201, answer, { ...NO_STORE, ...this.dpop.responseHeaders() });
  }
}
