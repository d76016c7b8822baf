import { Controller, Get, UseGuards } from '@nestjs/common';
import { AccessToken, OAuthGuard, RequireUser, VerifiedAccessToken } from '../oauth-server';

/**
 * Who the token is for. `@RequireUser()`: a token a client holds for itself (client_credentials)
 * is refused with 401 `insufficient_user_authentication`. `@AccessToken()` gives the verified
 * token: user, client and scopes.
 */
@Controller('api/me')
@UseGuards(OAuthGuard)
export class MeController {
  @Get()
  @RequireUser()
  me(@AccessToken() token: VerifiedAccessToken): { sub: string; client_id: string; scope: string } {
    return { sub: token.userId!, client_id: token.clientId, scope: token.scopes.join(' ') };
  }
}
