import { Injectable } from '@nestjs/common';
import { ConsentService } from '../consent/consent.service';
import { OAuthEvents } from '../events/oauth-events';
import type { AdapterRequest } from '../http/http-request';
import { InjectOAuthConfig } from '../oauth.constants';
import type { OAuthConfig } from '../options/oauth-config';
import { AuthorizationFlow } from './authorization-flow.service';
import { isCsrfTokenValid } from './browser-binding';
import { describeDecision, InteractionDetails } from './interaction-details';

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
    return describeDecision(
      await this.flow.loadForDecision(id, request),
      request,
      this.config.scopes,
    );
  }

  /** True when `token` is the consent form token of this interaction in this browser. */
  checkCsrfToken(id: string, request: AdapterRequest, token: unknown): boolean {
    return isCsrfTokenValid(request, id, token);
  }

  /**
   * The user allowed: remember the consent, issue a code; returns the client redirect URL (for a
   * device authorization, RFC 8628, the module's page saying the device is connected).
   */
  async approve(id: string, request: AdapterRequest): Promise<string> {
    const { interaction, user } = await this.flow.loadForDecision(id, request);
    const authorization = interaction.request;
    await this.flow.consume(interaction.id);
    await this.consents.grant(user.id, authorization.clientId, authorization.scopes);
    this.events.emit({
      type: 'consent.granted',
      clientId: authorization.clientId,
      subject: user.id,
      scopes: authorization.scopes,
    });
    return this.flow.finish(authorization, user);
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
