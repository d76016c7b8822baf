import { isAbsoluteUri } from '../common/uri';
import { OAuthException } from '../errors/oauth.exception';
import type { OAuthConfig } from '../options/oauth-config';

/** RFC 8707 §2: an absolute URI without a fragment. */
export function isResourceIndicator(value: unknown): value is string {
  return isAbsoluteUri(value) && !value.includes('#');
}

/** The resources a server issues tokens for: the default audience plus `resources`. */
export function knownResources(config: OAuthConfig): string[] {
  return [config.accessTokenAudience, ...config.resources];
}

/**
 * The audience for a `resource` parameter (RFC 8707): undefined when none was asked for;
 * `invalid_target` when it is malformed or not among `allowed` (default: every known resource).
 */
export function audienceFor(
  resource: string | undefined,
  config: OAuthConfig,
  allowed = knownResources(config),
): string[] | undefined {
  if (resource === undefined) return undefined;
  if (!isResourceIndicator(resource)) {
    throw new OAuthException(
      'invalid_target',
      'resource must be an absolute URI without a fragment.',
    );
  }
  if (!allowed.includes(resource)) {
    throw new OAuthException(
      'invalid_target',
      'The requested resource is not available to this request.',
    );
  }
  return [resource];
}
