import { parseScope, SCOPE_TOKEN } from '../common/scope';
import { excerpt } from '../common/text';
import type { ClientView } from '../clients/client.service';
import { OAuthException } from '../errors/oauth.exception';
import type { OAuthConfig } from '../options/oauth-config';

/**
 * The scopes a token request gets: each requested scope must exist and be allowed for the
 * client; `userOnly` scopes are refused when no user is involved. No `scope` parameter means
 * every scope the client may have (RFC 6749 §3.3 lets the server pick a default).
 */
export function grantableScopes(
  requested: string | undefined,
  client: Pick<ClientView, 'scopes'>,
  config: OAuthConfig,
  forUser: boolean,
): string[] {
  // Own properties only: `in` would also find Object.prototype members such as "toString".
  const known = (scope: string) => Object.hasOwn(config.scopes, scope);
  const usable = (scope: string) => forUser || !config.scopes[scope]?.userOnly;
  if (requested === undefined) {
    const scopes = client.scopes.filter((scope) => known(scope) && usable(scope));
    if (scopes.length === 0)
      throw OAuthException.invalidScope('This client may not request any scope.');
    return scopes;
  }
  const scopes = parseScope(requested);
  if (scopes.length === 0) throw OAuthException.invalidScope('The scope parameter is empty.');
  for (const scope of scopes) {
    if (!SCOPE_TOKEN.test(scope) || !known(scope)) {
      throw OAuthException.invalidScope(`Unknown scope ${excerpt(scope)}.`);
    }
    if (!client.scopes.includes(scope)) {
      throw OAuthException.invalidScope(`This client may not request ${excerpt(scope)}.`);
    }
    if (!usable(scope)) {
      throw OAuthException.invalidScope(
        `${excerpt(scope)} needs a signed-in user and cannot be granted to the client itself.`,
      );
    }
  }
  return scopes;
}
