import { Injectable } from '@nestjs/common';
import type { ResourceOwner, ResourceOwnerProvider, SignedInUser } from 'nest-oauth-server';

/** The README's ResourceOwnerProvider, with a fixed user list and no sessions (no sign-in page). */
@Injectable()
export class UsersService implements ResourceOwnerProvider {
  private readonly users = new Map([['user-1', { id: 'user-1', name: 'Ada' }]]);

  getSignedInUser(_request: unknown): SignedInUser | null {
    return null;
  }

  findById(id: string): ResourceOwner | null {
    return this.users.get(id) ?? null;
  }

  getClaims(id: string, _scopes: string[]): Record<string, unknown> {
    return { name: this.users.get(id)?.name };
  }
}
