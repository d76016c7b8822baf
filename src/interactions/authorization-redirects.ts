import { safeDescription } from '../common/text';
import { OAUTH_PATHS } from '../oauth.constants';
import type { OAuthConfig } from '../options/oauth-config';
import type { AuthorizationRequest } from './authorization-request';

/** Send the browser to `url` (a 303 from the authorization endpoint). */
export interface RedirectStep {
  kind: 'redirect';
  url: string;
}

/** Where the client hears the outcome: its redirect URI; only these two fields are needed. */
export type ClientCallback = Pick<AuthorizationRequest, 'redirectUri' | 'state'>;

/** The client's redirect URI with `values`, state and iss (RFC 6749 §4.1.2, RFC 9207). */
export function clientRedirectUrl(
  issuer: string,
  callback: ClientCallback,
  values: Record<string, string>,
): string {
  const url = new URL(callback.redirectUri);
  for (const [name, value] of Object.entries(values)) url.searchParams.set(name, value);
  if (callback.state !== undefined) url.searchParams.set('state', callback.state);
  url.searchParams.set('iss', issuer);
  return url.href;
}

/**
 * An error sent to the client's redirect URI (RFC 6749 §4.1.2.1): error and error_description
 * keep the §5.2 character set, like every other error the module sends.
 */
export function errorRedirect(
  issuer: string,
  callback: ClientCallback,
  error: string,
  description: string,
): RedirectStep {
  return {
    kind: 'redirect',
    url: clientRedirectUrl(issuer, callback, {
      error: safeDescription(error),
      error_description: safeDescription(description),
    }),
  };
}

/**
 * The host's sign-in page, told where to come back to: a path when it is on the issuer's
 * origin (so it cannot be mistaken for an open redirect), a full URL otherwise. What the sign-in
 * must achieve comes as OIDC's own parameters: `prompt=login` (sign in again), `max_age` (a
 * sign-in at most that many seconds old) and `acr_values` (the level, `acr` of `acr.levels`,
 * to sign in at, or stronger: a step-up when the user is signed in at a weaker one).
 */
export function loginUrl(
  config: Pick<OAuthConfig, 'issuer' | 'interaction'>,
  interactionId: string,
  authorization: AuthorizationRequest,
  acr?: string,
): string {
  const url = new URL(config.interaction.loginUrl!, config.issuer);
  const returnTo = new URL(`${config.issuer}${OAUTH_PATHS.authorize}/interaction/${interactionId}`);
  url.searchParams.set(
    'return_to',
    url.origin === returnTo.origin ? returnTo.pathname : returnTo.href,
  );
  if (authorization.loginHint) url.searchParams.set('login_hint', authorization.loginHint);
  if (authorization.prompt.includes('login')) url.searchParams.set('prompt', 'login');
  if (authorization.maxAge !== undefined)
    url.searchParams.set('max_age', String(authorization.maxAge));
  // The level to reach; without declared levels, the client's own acr_values, for the host.
  const acrValues = acr ?? authorization.acrValues;
  if (acrValues) url.searchParams.set('acr_values', acrValues);
  return url.href;
}

/** The host's own consent page (`interaction.consentUrl`), given the interaction to decide. */
export function consentUrl(
  config: Pick<OAuthConfig, 'issuer' | 'interaction'>,
  interactionId: string,
): string {
  const url = new URL(config.interaction.consentUrl!, config.issuer);
  url.searchParams.set('interaction_id', interactionId);
  return url.href;
}
