import { Controller, Get, UseGuards } from '@nestjs/common';
import { AccessToken, OAuthGuard, OAuthUser, RequireUser, Scopes } from 'nest-oauth-server';
import type { VerifiedAccessToken } from 'nest-oauth-server';

@Controller('api')
@UseGuards(OAuthGuard)
export class AccountsController {
  @Get('accounts')
  @Scopes('accounts:read')
  list(@AccessToken() token: VerifiedAccessToken, @OAuthUser() user?: { id: string }) {
    return { owner: user?.id ?? null, client: token.clientId, scopes: token.scopes };
  }

  @Get('me')
  @RequireUser()
  me(@OAuthUser() user: { id: string }) {
    return { sub: user.id };
  }
}
