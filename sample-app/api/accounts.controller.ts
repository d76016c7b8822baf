import { Controller, Get, UseGuards } from '@nestjs/common';
import { OAuthGuard, OAuthUser, Scopes } from '../oauth-server';
import { AccountsService } from './accounts.service';
import type { DemoAccount } from './demo-accounts';

/**
 * Account Information API. `@Scopes` on the handler: the token must carry `accounts:read`.
 * `@OAuthUser()` is the user the token acts for, or undefined for a client's own token.
 */
@Controller('api/accounts')
@UseGuards(OAuthGuard)
export class AccountsController {
  constructor(private readonly accounts: AccountsService) {}

  @Get()
  @Scopes('accounts:read')
  list(@OAuthUser() user: { id: string } | undefined): Promise<DemoAccount[]> {
    return this.accounts.list(user?.id);
  }
}
