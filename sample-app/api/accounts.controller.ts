import { Controller, Get, UseGuards } from '@nestjs/common';
import {
  AcceptAuthorizationDetails,
  AuthorizationDetails,
  OAuthGuard,
  OAuthUser,
  Scopes,
} from '../oauth-server';
import { AccountsService } from './accounts.service';
import type { AccountInformationDetail } from './authorization-details';
import type { DemoAccount } from './demo-accounts';

/**
 * Account Information API. `@Scopes` on the handler: the token must carry `accounts:read`, or
 * (`@AcceptAuthorizationDetails`) an `account_information` authorization detail (RFC 9396), which
 * lists the accounts the user picked on the consent page: then only those are returned.
 * `@OAuthUser()` is the user the token acts for, or undefined for a client's own token.
 */
@Controller('api/accounts')
@UseGuards(OAuthGuard)
export class AccountsController {
  constructor(private readonly accounts: AccountsService) {}

  @Get()
  @Scopes('accounts:read')
  @AcceptAuthorizationDetails('account_information')
  async list(
    @OAuthUser() user: { id: string } | undefined,
    @AuthorizationDetails('account_information') granted: AccountInformationDetail[],
  ): Promise<DemoAccount[]> {
    const accounts = await this.accounts.list(user?.id);
    if (granted.length === 0) return accounts;
    const ids = new Set(granted.flatMap((detail) => detail.accounts ?? []));
    return accounts.filter((account) => ids.has(account.id));
  }
}
