import { DEVICE_CODE_GRANT } from './grant-types';
import type { OAuthModuleOptions } from './oauth-module-options.interface';

/** Security profiles the module can enforce (`profile`). */
export type SecurityProfile = 'fapi2';

/** Signing algorithms FAPI 2.0 allows (Security Profile §5.4: PS256, ES256, EdDSA; no RS256). */
export const FAPI2_ALGORITHMS = ['PS256', 'ES256', 'EdDSA'] as const;
/** The same for DPoP proofs, where EdDSA may also be named by its fully specified `Ed25519`. */
const FAPI2_DPOP_ALGORITHMS: readonly string[] = [...FAPI2_ALGORITHMS, 'Ed25519'];

/**
 * What `profile: 'fapi2'` sets when the host leaves it unset (FAPI 2.0 Security Profile,
 * final): PAR required, private_key_jwt only, keys that are not RS256, DPoP proofs in FAPI's
 * algorithms, no rotation of (confidential clients') refresh tokens.
 */
export const FAPI2_DEFAULTS = {
  pushedAuthorizationRequests: { required: true },
  tokenEndpointAuthMethods: ['private_key_jwt'],
  keys: { algorithms: ['PS256'] },
  refreshTokenRotation: 'public-clients',
  dpop: { algorithms: ['ES256', 'PS256', 'EdDSA', 'Ed25519'] },
} as const;

/** An option the host set that the profile forbids, with the profile's rule. */
export interface ProfileConflict {
  option: string;
  rule: string;
}

/**
 * The options that contradict FAPI 2.0. The profile refuses to start with them rather than
 * quietly overriding what the host wrote.
 */
export function fapi2Conflicts(o: OAuthModuleOptions): ProfileConflict[] {
  const conflicts: ProfileConflict[] = [];
  const conflict = (option: string, rule: string) => conflicts.push({ option, rule });
  if (o.pushedAuthorizationRequests?.required === false)
    conflict(
      'pushedAuthorizationRequests.required',
      'FAPI 2.0 requires pushed authorization requests.',
    );
  if (o.pkce?.allowPlain === true) conflict('pkce.allowPlain', 'FAPI 2.0 requires PKCE with S256.');
  if (o.pkce?.requiredForConfidentialClients === false)
    conflict('pkce.requiredForConfidentialClients', 'FAPI 2.0 requires PKCE for every client.');
  const others = (o.tokenEndpointAuthMethods ?? []).filter((m) => m !== 'private_key_jwt');
  if (others.length > 0)
    conflict(
      'tokenEndpointAuthMethods',
      `FAPI 2.0 allows confidential clients with private_key_jwt only (mTLS is not supported), not ${others.join(', ')}.`,
    );
  if (o.dpop?.enabled === false)
    conflict('dpop.enabled', 'FAPI 2.0 requires sender-constrained access tokens (DPoP).');
  // An allow-list, not RS256 alone: ES512 or PS384 are outside the profile too.
  const dpopOutside = o.dpop?.algorithms?.filter((alg) => !FAPI2_DPOP_ALGORITHMS.includes(alg));
  if (dpopOutside?.length)
    conflict(
      'dpop.algorithms',
      `FAPI 2.0 allows PS256, ES256 and EdDSA only, not ${dpopOutside.join(', ')}.`,
    );
  const allowed: readonly string[] = FAPI2_ALGORITHMS;
  const keysOutside = [
    ...(o.keys?.algorithms ?? []),
    ...(o.keys?.jwks ?? []).map((jwk) => jwk.alg).filter((alg) => alg !== undefined),
  ].filter((alg) => !allowed.includes(alg));
  if (keysOutside.length > 0)
    conflict(
      'keys.algorithms',
      `FAPI 2.0 does not allow ${keysOutside.join(', ')}: use PS256, ES256 or EdDSA.`,
    );
  if (o.authorizationCodeTtl !== undefined && o.authorizationCodeTtl > 60)
    conflict('authorizationCodeTtl', 'FAPI 2.0 allows authorization codes of at most 60 seconds.');
  if (o.refreshTokenRotation === 'always')
    conflict(
      'refreshTokenRotation',
      "FAPI 2.0 forbids rotating refresh tokens outside extraordinary circumstances: use 'public-clients' or 'never'.",
    );
  // §5.3.1.2: the authorization code flow for users; no password or device grant.
  const userGrants = ['password', DEVICE_CODE_GRANT] as string[];
  const refused = (o.grantTypes as string[] | undefined)?.filter((g) => userGrants.includes(g));
  if (refused?.length) conflict('grantTypes', `FAPI 2.0 does not allow ${refused.join(', ')}.`);
  return conflicts;
}
