import { Controller, Get, Res, UseFilters } from '@nestjs/common';
import { AdapterResponse, httpReplyOf } from '../http/http-reply';
import { PUBLIC_FOR_5_MINUTES, sendJson } from '../common/json-response';
import { OAuthExceptionFilter } from '../errors/oauth-exception.filter';
import { KeyRing } from '../keys/key-ring.service';
import { OAUTH_PATHS } from '../oauth.constants';
import { Public } from '../resource/decorators';

/** `jwks_uri`: the public signing keys (RFC 7517), so clients and resource servers can verify. */
@Public()
@Controller()
@UseFilters(OAuthExceptionFilter)
export class JwksController {
  constructor(private readonly ring: KeyRing) {}

  @Get(OAUTH_PATHS.jwks)
  jwks(@Res() response: AdapterResponse): void {
    sendJson(httpReplyOf(response), 200, this.ring.publicJwks(), {
      ...PUBLIC_FOR_5_MINUTES,
      'Content-Type': 'application/jwk-set+json; charset=utf-8',
    });
  }
}
