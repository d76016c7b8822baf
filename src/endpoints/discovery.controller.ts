import { Controller, Get, Header, UseFilters } from '@nestjs/common';
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
  @Header('Cache-Control', 'public, max-age=300')
  authorizationServer() {
    return this.metadata.authorizationServer();
  }

  @Get(OAUTH_PATHS.openidConfiguration)
  @Header('Cache-Control', 'public, max-age=300')
  openidConfiguration() {
    return this.metadata.openidConfiguration();
  }
}
