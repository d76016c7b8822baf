import type { OAuthClient } from '../storage/entities/oauth-client.entity';
import type { OAuthInteraction } from '../storage/entities/oauth-interaction.entity';
import type { OAuthConfig } from '../options/oauth-config';
import type { SignedInUser } from '../options/resource-owner-provider.interface';
import type { AdapterRequest } from '../http/http-request';
import { bindingOf, csrfToken } from './browser-binding';
import { isDeviceRequest } from './device-request';

/** What a consent page needs to show. */
export interface InteractionDetails {
  id: string;
  client: { clientId: string; name: string; website: string | null };
  scopes: { name: string; description: string }[];
  user: SignedInUser;
  /** Put this in the consent form and check it with `checkCsrfToken` (the default page does). */
  csrfToken: string;
  /**
   * For a device authorization (RFC 8628): the user code, to show so the user can check it
   * matches the one on their device (§3.3.1).
   */
  userCode?: string;
}

/** An interaction awaiting the user's decision, with who asks and who decides. */
export interface PendingDecision {
  interaction: OAuthInteraction;
  client: OAuthClient;
  user: SignedInUser;
}

/**
 * The consent page's view of a decision: only what may be shown (no hashes, no stored request),
 * scopes with their configured descriptions, and the CSRF token of this browser.
 */
export function describeDecision(
  { interaction, client, user }: PendingDecision,
  request: AdapterRequest,
  scopes: OAuthConfig['scopes'],
): InteractionDetails {
  return {
    id: interaction.id,
    client: { clientId: client.clientId, name: client.name, website: client.website },
    scopes: interaction.request.scopes.map((name) => ({
      name,
      description: scopes[name]?.description ?? name,
    })),
    user,
    csrfToken: csrfToken(bindingOf(request) ?? '', interaction.id),
    ...(isDeviceRequest(interaction.request)
      ? { userCode: interaction.request.device.userCode }
      : {}),
  };
}
