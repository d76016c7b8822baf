import { EntityManager, IsNull } from 'typeorm';
import { OAuthAuthorizationCode } from '../entities/oauth-authorization-code.entity';
import { OAuthConsent } from '../entities/oauth-consent.entity';
import { OAuthToken } from '../entities/oauth-token.entity';
import type { GrantOwner, TokenSelector } from '../stores/token.store';

/** Revokes the not yet revoked tokens `selector` matches, in `manager`'s transaction. */
export async function revokeTokensIn(
  manager: EntityManager,
  selector: TokenSelector,
  at: number,
): Promise<number> {
  const result = await manager.update(
    OAuthToken,
    { ...selector, revokedAt: IsNull() },
    { revokedAt: at },
  );
  return result.affected ?? 0;
}

/** Revokes the owner's tokens, deletes its unused codes and its consent, in `manager`'s transaction. */
export async function revokeGrantsIn(
  manager: EntityManager,
  owner: GrantOwner,
  at: number,
): Promise<number> {
  const count = await revokeTokensIn(manager, owner, at);
  await manager.delete(OAuthAuthorizationCode, { ...owner, consumedAt: IsNull() });
  await manager.delete(OAuthConsent, owner);
  return count;
}
