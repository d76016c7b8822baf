import { Controller, Get, UseGuards } from '@nestjs/common';
import { AccessToken, OAuthGuard, OAuthUser, Scopes } from 'nest-oauth-server';
import type { VerifiedAccessToken } from 'nest-oauth-server';

@Controller('accounts')
@UseGuards(OAuthGuard)
export class AccountsController {
  @Get()
  @Scopes('accounts:read')
  list(@AccessToken() token: VerifiedAccessToken, @OAuthUser() user?: { id: string }) {
    return { owner: user?.id ?? null, client: token.clientId, scopes: token.scopes };
  }
}
