import { All, Controller, Req, Res, UseFilters } from '@nestjs/common';
import { toView } from '../clients/client.service';
import { ClientAuthenticator } from '../clients/client-authenticator.service';
import { NO_STORE, sendJson } from '../common/json-response';
import { DeviceAuthorizationService } from '../device/device-authorization.service';
import { OAuthExceptionFilter } from '../errors/oauth-exception.filter';
import { OAuthException } from '../errors/oauth.exception';
import { AdapterRequest, httpRequestOf } from '../http/http-request';
import { AdapterResponse, httpReplyOf } from '../http/http-reply';
import { InjectOAuthConfig, OAUTH_PATHS } from '../oauth.constants';
import type { OAuthConfig } from '../options/oauth-config';
import { DEVICE_CODE_GRANT } from '../options/grant-types';
import { Public } from '../resource/decorators';
import { formParams } from './form-params';

/**
 * `POST /oauth/device_authorization` (RFC 8628 §3.1): a device asks for a device code and a
 * user code. The client authenticates as at the token endpoint; public clients send only
 * `client_id`. 404 unless the device grant is enabled.
 */
@Public()
@Controller(OAUTH_PATHS.deviceAuthorization)
@UseFilters(OAuthExceptionFilter)
export class DeviceAuthorizationController {
  constructor(
    @InjectOAuthConfig() private readonly config: OAuthConfig,
    private readonly clients: ClientAuthenticator,
    private readonly devices: DeviceAuthorizationService,
  ) {}

  /** One route for every method, as at the token endpoint: anything but POST is 405. */
  @All()
  async authorize(@Req() raw: AdapterRequest, @Res() response: AdapterResponse): Promise<void> {
    if (!this.config.grantTypes.includes(DEVICE_CODE_GRANT)) throw OAuthException.notFound();
    const request = httpRequestOf(raw);
    if (request.method !== 'POST') {
      throw new OAuthException('invalid_request', 'This endpoint accepts only POST.', 405, {
        Allow: 'POST',
      });
    }
    const params = formParams(request);
    const { client } = await this.clients.authenticate(request, params, 'device_authorization');
    const body = await this.devices.create(toView(client), params);
    sendJson(httpReplyOf(response), 200, body, NO_STORE);
  }
}
