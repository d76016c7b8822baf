import { Injectable } from '@nestjs/common';
import { UsersService } from '../users/users.service';
import { ACCOUNTS_BY_USERNAME, DEMO_ACCOUNTS, DemoAccount } from './demo-accounts';

/** The Account Information API's data: a stand-in for the bank's core system. */
@Injectable()
export class AccountsService {
  constructor(private readonly users: UsersService) {}

  /** A user's accounts (none for an unknown user), or the demo list when there is no user. */
  async list(userId: string | undefined): Promise<DemoAccount[]> {
    if (!userId) return [...DEMO_ACCOUNTS];
    const user = await this.users.findUser(userId);
    return user ? [...(ACCOUNTS_BY_USERNAME[user.username] ?? [])] : [];
  }
}
