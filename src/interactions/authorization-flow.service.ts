import { Injectable } from '@nestjs/common';
import type { AdapterRequest } from '../http/http-request';
import type { HttpReply } from '../http/http-reply';
import { ClientStore } from '../storage/stores/client.store';
import { AuthorizationCodeService } from '../codes/authorization-code.service';
import { matchesHash, randomToken, sha256 } from '../common/crypto';
import { nowMs, nowSeconds, secondsToMs } from '../common/time';
import { ConsentService } from '../consent/consent.service';
import { InteractionError } from '../errors/oauth-server.error';
import { InjectOAuthConfig } from '../oauth.constants';
import type { OAuthConfig } from '../options/oauth-config';
import type { SignedInUser } from '../options/resource-owner-provider.interface';
import { isStorableId } from '../storage/columns';
import type { OAuthClient } from '../storage/entities/oauth-client.entity';
import type { OAuthInteraction } from '../storage/entities/oauth-interaction.entity';
import { InteractionStore } from '../storage/stores/interaction.store';
import type { AuthorizationRequest } from './authorization-request';
import type { AuthorizationDetail } from '../options/authorization-detail-type';
import {
  clientRedirectUrl,
  consentUrl,
  errorRedirect,
  loginUrl,
  RedirectStep,
} from './authorization-redirects';
import { bindingOf, ensureBinding, newBindingValue, setBinding } from './browser-binding';
import { describeDecision, InteractionDetails, PendingDecision } from './interaction-details';
import { DeviceAuthorizationService } from '../device/device-authorization.service';
import { AcrLevels } from '../acr/acr-levels';
import { deviceDoneUrl, DeviceVerificationRequest, isDeviceRequest } from './device-request';

const FOREIGN_INTERACTION =
  'This sign-in request has expired or belongs to another browser. Start again from the application.';

/** Where the browser goes next: a redirect, or the module's default consent page. */
export type NextStep = RedirectStep | { kind: 'consent'; details: InteractionDetails };

/**
 * Drives an authorization request through sign-in and consent to a code. Interactions are
 * stored (any instance can continue them), expire after `interaction.ttl`, are used once, and
 * only work in the browser that started them (a random cookie whose hash they keep).
 * Internal: hosts decide through AuthorizationService.
 */
@Injectable()
export class AuthorizationFlow {
  private readonly levels: AcrLevels;

  constructor(
    @InjectOAuthConfig() private readonly config: OAuthConfig,
    private readonly interactions: InteractionStore,
    private readonly clients: ClientStore,
    private readonly codes: AuthorizationCodeService,
    private readonly consents: ConsentService,
    private readonly devices: DeviceAuthorizationService,
  ) {
    this.levels = new AcrLevels(config);
  }

  /** Decides the next step of a request: sign in, consent, or straight back with a code. */
  async proceed(
    request: AdapterRequest,
    reply: HttpReply,
    authorization: AuthorizationRequest,
    client: OAuthClient,
    interaction?: OAuthInteraction,
  ): Promise<NextStep> {
    const user = await this.config.resourceOwner!.getSignedInUser(request);
    const level = this.levelOf(authorization);
    let belowLevel = !!user && !this.levels.satisfies(user.acr, level.wanted);
    if (user && belowLevel && interaction && signedInSince(user, interaction)) {
      // The host was asked for the level and came back below it: no second round trip.
      if (!this.levels.satisfies(user.acr, level.needed)) {
        await this.consume(interaction.id);
        return this.errorRedirect(
          authorization,
          'access_denied',
          `The sign-in did not reach the level ${level.needed} that the requested access needs.`,
        );
      }
      belowLevel = false; // only acr_values asked for more: voluntary (OIDC Core §3.1.2.1)
    }
    if (!user || belowLevel || this.needsFreshLogin(authorization, user, interaction)) {
      if (authorization.prompt.includes('none')) {
        const why = !user
          ? 'The user is not signed in.'
          : belowLevel
            ? `The request needs a sign-in at level ${level.wanted}.`
            : 'The request needs a fresh sign-in.';
        return this.errorRedirect(authorization, 'login_required', why);
      }
      const pending = interaction ?? (await this.createInteraction(request, reply, authorization));
      return {
        kind: 'redirect',
        url: loginUrl(this.config, pending.id, authorization, level.wanted),
      };
    }
    // A first-party client skips consent for scopes, never for authorization details (RFC 9396):
    // a one-off detail such as a payment is always shown, a reusable one unless remembered.
    const requested = authorization.authorizationDetails as AuthorizationDetail[] | undefined;
    const consentNeeded =
      authorization.prompt.includes('consent') ||
      !(
        (client.firstParty && !requested) ||
        (await this.consents.covers(user.id, client.clientId, authorization.scopes, requested))
      );
    if (!consentNeeded) {
      if (interaction) await this.consume(interaction.id);
      return { kind: 'redirect', url: await this.finish(authorization, user) };
    }
    if (authorization.prompt.includes('none'))
      return this.errorRedirect(authorization, 'consent_required', 'The user has not consented.');
    const pending = interaction ?? (await this.createInteraction(request, reply, authorization));
    if (pending.subject !== user.id) await this.interactions.setSubject(pending.id, user.id);
    pending.subject = user.id;
    if (this.config.interaction.consentUrl)
      return { kind: 'redirect', url: consentUrl(this.config, pending.id) };
    const details = await describeDecision(
      { interaction: pending, client, user },
      request,
      this.config,
    );
    return { kind: 'consent', details };
  }

  /**
   * Continues interaction `id` of this browser, on the way back from the sign-in page. A user
   * who is signed in now gets a fresh binding cookie and the interaction is moved to it, so a
   * binding value seen before the sign-in (session fixation) cannot continue it afterwards.
   */
  async resume(id: string, request: AdapterRequest, reply: HttpReply): Promise<NextStep> {
    const interaction = await this.loadInteraction(id, request);
    const client = await this.findClient(interaction);
    if (await this.config.resourceOwner!.getSignedInUser(request)) {
      await this.renewBinding(interaction, request, reply);
    }
    return this.proceed(request, reply, interaction.request, client, interaction);
  }

  /** Interaction `id` of this browser, awaiting the decision of the user it was shown to. */
  async loadForDecision(id: string, request: AdapterRequest): Promise<PendingDecision> {
    const interaction = await this.loadInteraction(id, request);
    const user = await this.config.resourceOwner!.getSignedInUser(request);
    if (!user || user.id !== interaction.subject)
      throw new InteractionError('Sign in again to continue.');
    return { interaction, client: await this.findClient(interaction), user };
  }

  /** Uses the interaction up, atomically: a second decision on it is refused. */
  async consume(id: string): Promise<void> {
    if (!(await this.interactions.consume(id, nowMs())))
      throw new InteractionError('This request was already completed.');
  }

  /**
   * The user allowed: a code for the client, or the device's approval (RFC 8628). Returns where
   * the browser goes next.
   */
  async finish(authorization: AuthorizationRequest, user: SignedInUser): Promise<string> {
    // Checked again at the decision: the session may have changed since the consent page.
    const { needed } = this.levelOf(authorization);
    if (!this.levels.satisfies(user.acr, needed)) {
      throw new InteractionError(
        `This request needs a sign-in at level ${needed}. Start again from the application.`,
      );
    }
    if (!isDeviceRequest(authorization)) return this.issueCode(authorization, user);
    await this.decideDevice(authorization, true, user);
    return deviceDoneUrl(this.config, 'approved');
  }

  /** The user denied: `access_denied` for the client, or the device's denial. */
  async decline(authorization: AuthorizationRequest, user: SignedInUser): Promise<string> {
    if (isDeviceRequest(authorization)) {
      await this.decideDevice(authorization, false, user);
      return deviceDoneUrl(this.config, 'denied');
    }
    return this.errorRedirect(authorization, 'access_denied', 'The user denied the request.').url;
  }

  private async decideDevice(
    authorization: DeviceVerificationRequest,
    allowed: boolean,
    user: SignedInUser,
  ): Promise<void> {
    if (!(await this.devices.decide(authorization.device.id, allowed, user))) {
      throw new InteractionError(
        'This code has expired or was already used. Start again on your device.',
      );
    }
  }

  /** Issues an authorization code for the request; returns the client redirect URL carrying it. */
  async issueCode(authorization: AuthorizationRequest, user: SignedInUser): Promise<string> {
    const now = nowMs();
    const code = await this.codes.create(
      {
        clientId: authorization.clientId,
        subject: user.id,
        redirectUri: authorization.redirectUri,
        scopes: authorization.scopes,
        codeChallenge: authorization.codeChallenge ?? null,
        codeChallengeMethod: authorization.codeChallengeMethod ?? null,
        nonce: authorization.nonce ?? null,
        authTime: user.authTime ?? null,
        acr: user.acr ?? null,
        amr: user.amr ?? null,
        resources: authorization.resources ?? null,
        dpopJkt: authorization.dpopJkt ?? null,
        authorizationDetails: authorization.authorizationDetails ?? null,
        expiresAt: now + secondsToMs(this.config.authorizationCodeTtl),
      },
      now,
    );
    return clientRedirectUrl(this.config.issuer, authorization, { code });
  }

  /** A pending interaction of this browser, or an InteractionError. */
  private async loadInteraction(id: string, request: AdapterRequest): Promise<OAuthInteraction> {
    const interaction = isStorableId(id, 64)
      ? await this.interactions.findPending(id, nowMs())
      : null;
    const binding = bindingOf(request);
    if (!interaction || !binding || !matchesHash(binding, interaction.browserBindingHash)) {
      throw new InteractionError(FOREIGN_INTERACTION);
    }
    return interaction;
  }

  /**
   * Re-binds the interaction to a new random value, atomically and only while it is still bound
   * to this request's value; the cookie is sent only when the move succeeded (a concurrent resume
   * that moved it first wins, this one is refused like any other browser's).
   */
  private async renewBinding(
    interaction: OAuthInteraction,
    request: AdapterRequest,
    reply: HttpReply,
  ): Promise<void> {
    const fresh = newBindingValue();
    const moved = await this.interactions.rebind(
      interaction.id,
      sha256(bindingOf(request)!),
      sha256(fresh),
      nowMs(),
    );
    if (!moved) throw new InteractionError(FOREIGN_INTERACTION);
    setBinding(request, reply, fresh, this.config.issuer.startsWith('https:'));
    interaction.browserBindingHash = sha256(fresh);
  }

  /** An error sent to the request's redirect URI, with state and iss (RFC 9207). */
  private errorRedirect(
    authorization: AuthorizationRequest,
    error: string,
    description: string,
  ): RedirectStep {
    return errorRedirect(this.config.issuer, authorization, error, description);
  }

  private async findClient(interaction: OAuthInteraction): Promise<OAuthClient> {
    const client = await this.clients.find(interaction.request.clientId);
    if (!client) throw new InteractionError('The application no longer exists.');
    return client;
  }

  /**
   * The level the request's access needs (`acr.scopes`: never issued below it) and the level
   * to ask the host for: that one, or a stronger one named by `acr_values`.
   */
  private levelOf(authorization: AuthorizationRequest): { needed?: string; wanted?: string } {
    const needed = this.levels.required(authorization);
    const wanted = this.levels.stronger(needed, this.levels.requestedBy(authorization.acrValues));
    return { needed, wanted };
  }

  /** prompt=login needs a sign-in after the request started; max_age a recent enough one. */
  private needsFreshLogin(
    authorization: AuthorizationRequest,
    user: SignedInUser,
    interaction?: OAuthInteraction,
  ): boolean {
    if (authorization.prompt.includes('login')) {
      const startedAt = interaction ? Math.floor(interaction.createdAt / 1000) : Infinity;
      if (!user.authTime || user.authTime < startedAt) return true;
    }
    if (authorization.maxAge !== undefined) {
      if (!user.authTime) return true;
      // A sign-in made for this very request satisfies max_age (max_age=0 included): otherwise
      // crossing a second boundary on the way back from the login page sends the user back to it.
      if (interaction && user.authTime >= Math.floor(interaction.createdAt / 1000)) return false;
      return nowSeconds() - user.authTime > authorization.maxAge;
    }
    return false;
  }

  /** A new interaction bound to this browser (setting the binding cookie if it has none). */
  private async createInteraction(
    request: AdapterRequest,
    reply: HttpReply,
    authorization: AuthorizationRequest,
  ): Promise<OAuthInteraction> {
    const binding = ensureBinding(request, reply, this.config.issuer.startsWith('https:'));
    const now = nowMs();
    const interaction: OAuthInteraction = {
      id: randomToken(),
      request: authorization,
      subject: null,
      browserBindingHash: sha256(binding),
      expiresAt: now + secondsToMs(this.config.interaction.ttl),
      consumedAt: null,
      createdAt: now,
    };
    await this.interactions.insert(interaction);
    return interaction;
  }
}

/**
 * Whether the user signed in after the interaction started, i.e. on the host's sign-in page it
 * was sent to (a sign-in in the same second is not counted: the worst case is one more visit).
 */
function signedInSince(user: SignedInUser, interaction: OAuthInteraction): boolean {
  return user.authTime !== undefined && user.authTime > Math.floor(interaction.createdAt / 1000);
}
