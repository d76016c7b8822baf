/**
 * The sample's authentication levels (the module's `acr.levels`, weakest first): a password
 * alone is "low"; the one-time code on top raises the session to "substantial". Payments need
 * "substantial" (`acr.scopes` and `acr.authorizationDetailsTypes` in app.module.ts); reading
 * accounts needs no level.
 */
export const SIGN_IN_LEVELS = ['low', 'substantial'] as const;
export type SignInLevel = (typeof SIGN_IN_LEVELS)[number];

/** How each level was reached (OIDC `amr`, RFC 8176): a password; a password and a one-time code. */
export const METHODS_OF: Record<SignInLevel, string[]> = {
  low: ['pwd'],
  substantial: ['pwd', 'otp'],
};

export function isSignInLevel(value: unknown): value is SignInLevel {
  return SIGN_IN_LEVELS.includes(value as SignInLevel);
}

/**
 * The level an `acr_values` parameter (from the authorization server's redirect to /login) asks
 * for: the weakest of our levels it names, as the module reads it; "low" when it names none.
 */
export function levelAskedFor(acrValues: unknown): SignInLevel {
  if (typeof acrValues !== 'string') return 'low';
  const named = acrValues.split(' ').filter(isSignInLevel);
  return SIGN_IN_LEVELS.find((level) => named.includes(level)) ?? 'low';
}

/** Whether a session at `current` meets `wanted`. */
export function meets(current: SignInLevel, wanted: SignInLevel): boolean {
  return SIGN_IN_LEVELS.indexOf(current) >= SIGN_IN_LEVELS.indexOf(wanted);
}
