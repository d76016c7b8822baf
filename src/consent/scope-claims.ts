/** OIDC Core §5.4: the claims each standard scope releases. */
export const SCOPE_CLAIMS: Record<string, string[]> = {
  profile: [
    'name',
    'family_name',
    'given_name',
    'middle_name',
    'nickname',
    'preferred_username',
    'profile',
    'picture',
    'website',
    'gender',
    'birthdate',
    'zoneinfo',
    'locale',
    'updated_at',
  ],
  email: ['email', 'email_verified'],
  address: ['address'],
  phone: ['phone_number', 'phone_number_verified'],
};

/** Keeps only the claims the granted scopes allow. */
export function claimsForScopes(
  claims: Record<string, unknown>,
  scopes: string[],
): Record<string, unknown> {
  const allowed = new Set(scopes.flatMap((scope) => SCOPE_CLAIMS[scope] ?? []));
  return Object.fromEntries(Object.entries(claims).filter(([name]) => allowed.has(name)));
}
