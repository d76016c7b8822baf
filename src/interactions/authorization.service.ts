import { Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import { DataSource, IsNull, MoreThan } from 'typeorm';
import { ClientStore } from '../storage/stores/client.store';
import type { OAuthClient } from '../storage/entities/oauth-client.entity';
import { AuthorizationCodeService } from '../codes/authorization-code.service';
import { constantTimeEqual, matchesHash, randomToken, sha256 } from '../common/crypto';
import { nowMs, nowSeconds, secondsToMs } from '../common/time';
import { ConsentService } from '../consent/consent.service';
import { InteractionError } from '../errors/oauth-server.error';
import { OAuthEvents } from '../events/oauth-events';
import { InjectOAuthConfig, InjectOAuthDataSource, OAUTH_PATHS } from '../oauth.constants';
import type { OAuthConfig } from '../options/oauth-config';
import type { SignedInUser } from '../options/resource-owner-provider.interface';
import { isStorableId } from '../storage/columns';
import type { AuthorizationRequest } from './authorization-request';
import { bindingOf, csrfToken, ensureBinding } from './browser-binding';
import { OAuthInteraction } from '../storage/entities/oauth-interaction.entity';

/** What a consent page needs to show. */
export interface InteractionDetails {
  id: string;
  client: { clientId: string; name: string; website: string | null };
  scopes: { name: string; description: string }[];
  user: SignedInUser;
  /** Put this in the consent form and check it with `checkCsrfToken` (the default page does). */
  csrfToken: string;
}

/** Where the browser goes next. */
export type NextStep =
  | { kind: 'redirect'; url: string }
  | { kind: 'consent'; interaction: OAuthInteraction; client: OAuthClient; user: SignedInUser };

/**
 * Drives an authorization request through sign-in and consent. Interactions are stored in the
 * database (any instance can continue them), expire after `interaction.ttl`, are used once,
 * and only work in the browser that started them (a random cookie whose hash they keep).
 * A host with its own consent page calls `getInteraction`, `approve` and `deny`.
 */
@Injectable()
export class AuthorizationService {
  constructor(
    @InjectOAuthConfig() private readonly config: OAuthConfig,
    @InjectOAuthDataSource() private readonly dataSource: DataSource,
    private readonly clients: ClientStore,
    private readonly codes: AuthorizationCodeService,
    private readonly consents: ConsentService,
    private readonly events: OAuthEvents,
  ) {}

  private get interactions() {
    return this.dataSource.getRepository(OAuthInteraction);
  }

  /** Decides the next step of a request: sign in, consent, or straight back with a code. */
  async proceed(
    request: Request,
    response: Response,
    authorization: AuthorizationRequest,
    client: OAuthClient,
    interaction?: OAuthInteraction,
  ): Promise<NextStep> {
    const user = await this.config.resourceOwner!.getSignedInUser(request);
    if (!user || this.needsFreshLogin(authorization, user, interaction)) {
      if (authorization.prompt.includes('none'))
        return this.errorRedirect(authorization, 'login_required', 'The user is not signed in.');
      const pending =
        interaction ?? (await this.createInteraction(request, response, authorization));
      return { kind: 'redirect', url: this.loginUrl(pending, authorization) };
    }
    const consentNeeded =
      authorization.prompt.includes('consent') ||
      !(
        client.firstParty ||
        (await this.consents.covers(user.id, client.clientId, authorization.scopes))
      );
    if (!consentNeeded) {
      if (interaction) await this.consume(interaction.id);
      return this.codeRedirect(authorization, user);
    }
    if (authorization.prompt.includes('none'))
      return this.errorRedirect(authorization, 'consent_required', 'The user has not consented.');
    const pending = interaction ?? (await this.createInteraction(request, response, authorization));
    if (pending.subject !== user.id)
      await this.interactions.update({ id: pending.id }, { subject: user.id });
    pending.subject = user.id;
    if (this.config.interaction.consentUrl) {
      const url = new URL(this.config.interaction.consentUrl, this.config.issuer);
      url.searchParams.set('interaction_id', pending.id);
      return { kind: 'redirect', url: url.href };
    }
    return { kind: 'consent', interaction: pending, client, user };
  }

  /** A pending interaction of this browser, or an InteractionError. */
  async loadInteraction(id: string, request: Request): Promise<OAuthInteraction> {
    const interaction = isStorableId(id, 64)
      ? await this.interactions.findOneBy({
          id,
          consumedAt: IsNull(),
          expiresAt: MoreThan(nowMs()),
        })
      : null;
    const binding = bindingOf(request);
    if (!interaction || !binding || !matchesHash(binding, interaction.browserBindingHash)) {
      throw new InteractionError(
        'This sign-in request has expired or belongs to another browser. Start again from the application.',
      );
    }
    return interaction;
  }

  /** For a host consent page: who asks for what, for the signed-in user. */
  async getInteraction(id: string, request: Request): Promise<InteractionDetails> {
    const { interaction, client, user } = await this.forDecision(id, request);
    return this.details(interaction, client, user, request);
  }

  details(
    interaction: OAuthInteraction,
    client: OAuthClient,
    user: SignedInUser,
    request: Request,
  ): InteractionDetails {
    const authorization = interaction.request;
    return {
      id: interaction.id,
      client: { clientId: client.clientId, name: client.name, website: client.website },
      scopes: authorization.scopes.map((name) => ({
        name,
        description: this.config.scopes[name]?.description ?? name,
      })),
      user,
      csrfToken: csrfToken(bindingOf(request) ?? '', interaction.id),
    };
  }

  /** True when `token` is the consent form token of this interaction in this browser. */
  checkCsrfToken(id: string, request: Request, token: unknown): boolean {
    const binding = bindingOf(request);
    return (
      !!binding && typeof token === 'string' && constantTimeEqual(token, csrfToken(binding, id))
    );
  }

  /** The user allowed: remember the consent, issue a code; returns the client redirect URL. */
  async approve(id: string, request: Request): Promise<string> {
    const { interaction, user } = await this.forDecision(id, request);
    const authorization = interaction.request;
    await this.consume(interaction.id);
    await this.consents.grant(user.id, authorization.clientId, authorization.scopes);
    this.events.emit({
      type: 'consent.granted',
      clientId: authorization.clientId,
      subject: user.id,
      scopes: authorization.scopes,
    });
    return (await this.codeRedirect(authorization, user)).url;
  }

  /** The user denied: the client hears `access_denied` (RFC 6749 §4.1.2.1). */
  async deny(id: string, request: Request): Promise<string> {
    const { interaction, user } = await this.forDecision(id, request);
    await this.consume(interaction.id);
    this.events.emit({
      type: 'consent.denied',
      clientId: interaction.request.clientId,
      subject: user.id,
      scopes: interaction.request.scopes,
    });
    return this.errorRedirect(interaction.request, 'access_denied', 'The user denied the request.')
      .url;
  }

  /** An error sent to the client's redirect URI, with state and iss (RFC 9207). */
  errorRedirect(
    authorization: Pick<AuthorizationRequest, 'redirectUri' | 'state'>,
    error: string,
    description: string,
  ) {
    return {
      kind: 'redirect' as const,
      url: this.redirectUrl(authorization, { error, error_description: description }),
    };
  }

  private async forDecision(id: string, request: Request) {
    const interaction = await this.loadInteraction(id, request);
    const user = await this.config.resourceOwner!.getSignedInUser(request);
    if (!user || user.id !== interaction.subject)
      throw new InteractionError('Sign in again to continue.');
    const client = await this.clients.find(interaction.request.clientId);
    if (!client) throw new InteractionError('The application no longer exists.');
    return { interaction, client, user };
  }

  private async codeRedirect(authorization: AuthorizationRequest, user: SignedInUser) {
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
        resources: authorization.resources ?? null,
        expiresAt: now + secondsToMs(this.config.authorizationCodeTtl),
      },
      now,
    );
    return { kind: 'redirect' as const, url: this.redirectUrl(authorization, { code }) };
  }

  private redirectUrl(
    authorization: Pick<AuthorizationRequest, 'redirectUri' | 'state'>,
    values: Record<string, string>,
  ): string {
    const url = new URL(authorization.redirectUri);
    for (const [name, value] of Object.entries(values)) url.searchParams.set(name, value);
    if (authorization.state !== undefined) url.searchParams.set('state', authorization.state);
    url.searchParams.set('iss', this.config.issuer);
    return url.href;
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

  private async createInteraction(
    request: Request,
    response: Response,
    authorization: AuthorizationRequest,
  ): Promise<OAuthInteraction> {
    const binding = ensureBinding(request, response, this.config.issuer.startsWith('https:'));
    const now = nowMs();
    const interaction = this.interactions.create({
      id: randomToken(),
      request: authorization,
      subject: null,
      browserBindingHash: sha256(binding),
      expiresAt: now + secondsToMs(this.config.interaction.ttl),
      consumedAt: null,
      createdAt: now,
    });
    await this.interactions.insert(interaction);
    return interaction;
  }

  /** Uses the interaction up, atomically: a second decision on it is refused. */
  private async consume(id: string): Promise<void> {
    const result = await this.interactions.update(
      { id, consumedAt: IsNull() },
      { consumedAt: nowMs() },
    );
    if (result.affected !== 1) throw new InteractionError('This request was already completed.');
  }

  private loginUrl(interaction: OAuthInteraction, authorization: AuthorizationRequest): string {
    const url = new URL(this.config.interaction.loginUrl!, this.config.issuer);
    const returnTo = new URL(
      `${this.config.issuer}${OAUTH_PATHS.authorize}/interaction/${interaction.id}`,
    );
    url.searchParams.set(
      'return_to',
      url.origin === returnTo.origin ? returnTo.pathname : returnTo.href,
    );
    if (authorization.loginHint) url.searchParams.set('login_hint', authorization.loginHint);
    if (authorization.prompt.includes('login')) url.searchParams.set('prompt', 'login');
    return url.href;
  }
}
