import { Controller, Get, Res, UseFilters } from '@nestjs/common';
import { AdapterResponse, httpReplyOf } from '../http/http-reply';
import { PUBLIC_FOR_5_MINUTES, sendJson } from '../common/json-response';
import { ServerMetadataService } from '../discovery/server-metadata.service';
import { OAuthExceptionFilter } from '../errors/oauth-exception.filter';
import { OAUTH_PATHS } from '../oauth.constants';
import { Public } from '../resource/decorators';

@Public()
@Controller()
@UseFilters(OAuthExceptionFilter)
export class DiscoveryController {
  constructor(private readonly metadata: ServerMetadataService) {}

  @Get(OAUTH_PATHS.serverMetadata)
  authorizationServer(@Res() response: AdapterResponse): void {
    sendJson(httpReplyOf(response), 200, this.metadata.authorizationServer(), PUBLIC_FOR_5_MINUTES);
  }

  @Get(OAUTH_PATHS.openidConfiguration)
  openidConfiguration(@Res() response: AdapterResponse): void {
    sendJson(httpReplyOf(response), 200, this.metadata.openidConfiguration(), PUBLIC_FOR_5_MINUTES);
  }
}
