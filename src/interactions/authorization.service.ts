import { Injectable } from '@nestjs/common';
import { ConsentService } from '../consent/consent.service';
import { OAuthEvents } from '../events/oauth-events';
import type { AdapterRequest } from '../http/http-request';
import { InjectOAuthConfig } from '../oauth.constants';
import type { OAuthConfig } from '../options/oauth-config';
import { AuthorizationFlow } from './authorization-flow.service';
import { isCsrfTokenValid } from './browser-binding';
import { describeDecision, GONE_TYPE, InteractionDetails } from './interaction-details';
import type { AuthorizationRequest } from './authorization-request';
import type { AuthorizationDetail } from '../options/authorization-detail-type';
import { InteractionError } from '../errors/oauth-server.error';
import { OAuthException } from '../errors/oauth.exception';
import {
  checkAuthorizationDetails,
  checkShape,
  copyDetails,
  detailTypeOf,
} from '../authorization-details/authorization-details';

/**
 * The user's picks on the consent page (RFC 9396 details whose type offers `choices`): the
 * values picked, by the detail's index in the request.
 */
export type AuthorizationDetailPicks = Record<number, string[]>;

/**
 * The consent decision, for a host with its own consent page (`interaction.consentUrl`, which
 * receives `interaction_id`): show the request with `getInteraction`, check the form with
 * `checkCsrfToken`, then `approve` or `deny` and redirect the browser to the URL returned.
 * The module's default consent page decides through this too. An interaction is decided once,
 * in the browser that started it, by the user it was shown to; otherwise InteractionError.
 */
@Injectable()
export class AuthorizationService {
  /** @internal Nest constructs it with internal services: inject it instead. */
  constructor(
    @InjectOAuthConfig() private readonly config: OAuthConfig,
    private readonly flow: AuthorizationFlow,
    private readonly consents: ConsentService,
    private readonly events: OAuthEvents,
  ) {}

  /** For a host consent page: who asks for what, for the signed-in user. */
  async getInteraction(id: string, request: AdapterRequest): Promise<InteractionDetails> {
    return describeDecision(await this.flow.loadForDecision(id, request), request, this.config);
  }

  /** True when `token` is the consent form token of this interaction in this browser. */
  checkCsrfToken(id: string, request: AdapterRequest, token: unknown): boolean {
    return isCsrfTokenValid(request, id, token);
  }

  /**
   * The user allowed: remember the consent, issue a code; returns the client redirect URL (for a
   * device authorization, RFC 8628, the module's page saying the device is connected).
   * `choices`: for RFC 9396 details whose type offers choices (`getInteraction`'s
   * `authorizationDetails[i].choices`), the values the user picked, by the detail's index; each
   * must be one offered, at least one per such detail, or InteractionError.
   */
  async approve(
    id: string,
    request: AdapterRequest,
    choices: AuthorizationDetailPicks = {},
  ): Promise<string> {
    const { interaction, user } = await this.flow.loadForDecision(id, request);
    const authorization = await this.withChoices(interaction.request, user.id, choices);
    await this.flow.consume(interaction.id);
    await this.consents.grant(
      user.id,
      authorization.clientId,
      authorization.scopes,
      authorization.authorizationDetails as AuthorizationDetail[] | undefined,
    );
    this.events.emit({
      type: 'consent.granted',
      clientId: authorization.clientId,
      subject: user.id,
      scopes: authorization.scopes,
    });
    return this.flow.finish(authorization, user);
  }

  /**
   * The request with the user's picks applied (RFC 9396 details whose type offers `choices`):
   * each pick must be one of the choices offered, at least one per such detail, and the detail
   * the type's `choose` makes of them must pass its `validate` again. Nothing else changes: the
   * details stay the ones stored with the interaction.
   */
  private async withChoices(
    authorization: AuthorizationRequest,
    userId: string,
    picks: AuthorizationDetailPicks,
  ): Promise<AuthorizationRequest> {
    const requested = authorization.authorizationDetails as AuthorizationDetail[] | undefined;
    if (!requested) return authorization;
    const context = { clientId: authorization.clientId, userId };
    const granted: AuthorizationDetail[] = [];
    for (const [index, detail] of requested.entries()) {
      const type = detailTypeOf(this.config, detail.type);
      if (!type) throw new InteractionError(GONE_TYPE);
      if (!type.choices || !type.choose) {
        granted.push(detail);
        continue;
      }
      const offered = (await type.choices(detail, context)).map((choice) => choice.value);
      const picked = [...new Set(picks[index] ?? [])];
      if (picked.length === 0)
        throw new InteractionError('Choose at least one option for each item, or deny.');
      if (!picked.every((value) => offered.includes(value)))
        throw new InteractionError(
          'That choice is not available. Start again from the application.',
        );
      const chosen = type.choose(copyDetails([detail])[0], picked);
      // A type's choose narrows its own detail; it cannot turn it into another type.
      if (chosen?.type !== detail.type)
        throw new Error(`authorizationDetailsTypes.${detail.type}.choose changed the type.`);
      granted.push(chosen);
    }
    try {
      checkShape(granted, this.config, { authorizationDetailsTypes: null });
      await checkAuthorizationDetails(granted, this.config, context);
    } catch (error) {
      if (!(error instanceof OAuthException)) throw error;
      throw new InteractionError(error.description);
    }
    return { ...authorization, authorizationDetails: granted };
  }

  /**
   * The user denied: the client hears `access_denied` (RFC 6749 §4.1.2.1); a device hears it
   * at its next poll.
   */
  async deny(id: string, request: AdapterRequest): Promise<string> {
    const { interaction, user } = await this.flow.loadForDecision(id, request);
    const authorization = interaction.request;
    await this.flow.consume(interaction.id);
    this.events.emit({
      type: 'consent.denied',
      clientId: authorization.clientId,
      subject: user.id,
      scopes: authorization.scopes,
    });
    return this.flow.decline(authorization, user);
  }
}
