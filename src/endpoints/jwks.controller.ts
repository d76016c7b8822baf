import { Controller, Get, Header, UseFilters } from '@nestjs/common';
import { OAuthExceptionFilter } from '../errors/oauth-exception.filter';
import { KeyStore } from '../keys/key-store.service';
import { OAUTH_PATHS } from '../oauth.constants';
import { Public } from '../resource/decorators';

/** `jwks_uri`: the public signing keys (RFC 7517), so clients and resource servers can verify. */
@Public()
@Controller()
@UseFilters(OAuthExceptionFilter)
export class JwksController {
  constructor(private readonly keyStore: KeyStore) {}

  @Get(OAUTH_PATHS.jwks)
  @Header('Content-Type', 'application/jwk-set+json')
  @Header('Cache-Control', 'public, max-age=300')
  jwks() {
    return this.keyStore.publicJwks();
  }
}
