import type { OAuthClient } from '../storage/entities/oauth-client.entity';
import type { OAuthInteraction } from '../storage/entities/oauth-interaction.entity';
import type { OAuthConfig } from '../options/oauth-config';
import type { SignedInUser } from '../options/resource-owner-provider.interface';
import type { AdapterRequest } from '../http/http-request';
import { bindingOf, csrfToken } from './browser-binding';
import { isDeviceRequest } from './device-request';
import { detailTypeOf } from '../authorization-details/authorization-details';
import { InteractionError } from '../errors/oauth-server.error';

/** A stored request naming a type the server stopped offering (a restart in between). */
export const GONE_TYPE =
  'This request asks for something this server no longer offers. Start again from the application.';
import type {
  AuthorizationDetail,
  AuthorizationDetailChoice,
} from '../options/authorization-detail-type';

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
  /**
   * RFC 9396: each requested authorization detail with its type's description (in the user's
   * words) and, for types that offer them, the choices the user may pick (checkboxes; pass the
   * picked values to `AuthorizationService.approve`, by the detail's index). Absent when the
   * request has none.
   */
  authorizationDetails?: AuthorizationDetailView[];
}

/** One requested authorization detail, as the consent page shows it. */
export interface AuthorizationDetailView {
  type: string;
  /** The type's `describe`: "Pay 123.50 EUR to Merchant A (IBAN ...)". */
  description: string;
  /** The detail as requested. */
  detail: AuthorizationDetail;
  /** What the user may pick (the type's `choices`), when the type offers any. */
  choices?: AuthorizationDetailChoice[];
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
export async function describeDecision(
  { interaction, client, user }: PendingDecision,
  request: AdapterRequest,
  config: Pick<OAuthConfig, 'scopes' | 'authorizationDetailsTypes'>,
): Promise<InteractionDetails> {
  const scopes = config.scopes;
  const context = { clientId: client.clientId, userId: user.id };
  const authorizationDetails: AuthorizationDetailView[] = [];
  for (const detail of (interaction.request.authorizationDetails ?? []) as AuthorizationDetail[]) {
    const type = detailTypeOf(config, detail.type);
    if (!type) throw new InteractionError(GONE_TYPE);
    const choices = type.choices ? await type.choices(detail, context) : undefined;
    authorizationDetails.push({
      type: detail.type,
      description: await type.describe(detail, context),
      detail,
      ...(choices ? { choices } : {}),
    });
  }
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
    ...(authorizationDetails.length > 0 ? { authorizationDetails } : {}),
  };
}
