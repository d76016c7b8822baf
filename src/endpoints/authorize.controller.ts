import { sendInteractionFailure } from '../interactions/interaction-failure-page';
import { Controller, Get, Logger, Param, Post, Req, Res } from '@nestjs/common';
import { AdapterRequest, httpRequestOf } from '../http/http-request';
import { AdapterResponse, HttpReply, httpReplyOf } from '../http/http-reply';
import { ClientStore } from '../storage/stores/client.store';
import {
  AuthorizationRedirectError,
  isEchoableState,
  validateAuthorizationRequest,
} from '../interactions/authorization-request';
import type { AuthorizationRequest } from '../interactions/authorization-request';
import { AuthorizationFlow, NextStep } from '../interactions/authorization-flow.service';
import { errorRedirect } from '../interactions/authorization-redirects';
import { AuthorizationService } from '../interactions/authorization.service';
import {
  isPushedRequestUri,
  PushedAuthorizationService,
} from '../interactions/pushed-authorization.service';
import type { OAuthClient } from '../storage/entities/oauth-client.entity';
import { InteractionError } from '../errors/oauth-server.error';
import {
  consentPage,
  detailPicksOf,
  errorPage,
  sendPage,
  sendRedirect,
} from '../interactions/pages';
import { matchRedirectUri } from '../interactions/redirect-uri-match';
import { InjectOAuthConfig, OAUTH_PATHS } from '../oauth.constants';
import type { OAuthConfig } from '../options/oauth-config';
import { formParams, queryParams } from './form-params';
import { Public } from '../resource/decorators';
import { DatabaseHealthLog } from '../storage/database-health-log';
import { isDatabaseUnavailable } from '../storage/database-unavailable';

/**
 * The authorization endpoint (RFC 6749 §3.1, OIDC Core §3.1.2): GET or form POST. client_id
 * and redirect_uri are checked first; when either is wrong the user sees an error page and is
 * never redirected. Other errors go to the client with state and iss (RFC 9207). A pushed
 * request (RFC 9126) comes as client_id and request_uri alone.
 */
@Public()
@Controller(OAUTH_PATHS.authorize)
export class AuthorizeController {
  private readonly logger = new Logger('OAuth');

  constructor(
    @InjectOAuthConfig() private readonly config: OAuthConfig,
    private readonly clients: ClientStore,
    private readonly flow: AuthorizationFlow,
    private readonly decisions: AuthorizationService,
    private readonly health: DatabaseHealthLog,
    private readonly pushed: PushedAuthorizationService,
  ) {}

  @Get()
  authorizeGet(@Req() request: AdapterRequest, @Res() response: AdapterResponse): Promise<void> {
    return this.handle(request, httpReplyOf(response), () => queryParams(httpRequestOf(request)));
  }

  @Post()
  authorizePost(@Req() request: AdapterRequest, @Res() response: AdapterResponse): Promise<void> {
    return this.handle(request, httpReplyOf(response), () => formParams(httpRequestOf(request)));
  }

  /** Where sign-in returns to, and where the default consent page lives. */
  @Get('interaction/:id')
  async resume(
    @Req() request: AdapterRequest,
    @Res() response: AdapterResponse,
    @Param('id') id: string,
  ): Promise<void> {
    const reply = httpReplyOf(response);
    await this.guard(reply, () => this.flow.resume(id, request, reply));
  }

  /** The default consent page's form: Allow or Deny. */
  @Post('interaction/:id')
  async decide(
    @Req() request: AdapterRequest,
    @Res() response: AdapterResponse,
    @Param('id') id: string,
  ): Promise<void> {
    await this.guard(httpReplyOf(response), async () => {
      const params = formParams(httpRequestOf(request));
      if (!this.decisions.checkCsrfToken(id, request, params.csrf_token)) {
        throw new InteractionError('The form has expired. Start again from the application.');
      }
      const url =
        params.decision === 'allow'
          ? await this.decisions.approve(id, request, detailPicksOf(params))
          : await this.decisions.deny(id, request);
      return { kind: 'redirect', url };
    });
  }

  private async handle(
    request: AdapterRequest,
    reply: HttpReply,
    readParams: () => Record<string, string>,
  ): Promise<void> {
    await this.guard(reply, async () => {
      const params = readParams();
      const client = await this.clients.find(params.client_id);
      if (!client)
        return this.showError(
          reply,
          'Unknown application',
          'The application that sent you here is not registered.',
        );
      // RFC 9126 §4: a pushed request stands for the whole request; other parameters are ignored.
      if (isPushedRequestUri(params.request_uri)) {
        const pushed = await this.pushed.redeem(params.request_uri, client);
        return this.proceed(request, reply, pushed, client);
      }
      const redirectUri = matchRedirectUri(params.redirect_uri, client.redirectUris);
      if (!redirectUri) {
        return this.showError(
          reply,
          'Invalid redirect URI',
          'The application sent a redirect URI it has not registered.',
        );
      }
      // Checked before anything can fail with a redirect: every error redirect echoes state.
      if (!isEchoableState(params.state)) {
        return this.showError(
          reply,
          'Invalid request',
          'The application sent a state parameter that is too long.',
        );
      }
      let authorization: AuthorizationRequest;
      try {
        if (this.pushed.isRequiredFor(client)) {
          throw new AuthorizationRedirectError(
            'invalid_request',
            'This client must push its authorization requests to the PAR endpoint first.',
          );
        }
        authorization = await validateAuthorizationRequest(
          params,
          client,
          redirectUri,
          this.config,
        );
      } catch (error) {
        if (!(error instanceof AuthorizationRedirectError)) throw error;
        return errorRedirect(
          this.config.issuer,
          { redirectUri, state: params.state },
          error.error,
          error.description,
        );
      }
      return this.proceed(request, reply, authorization, client);
    });
  }

  /** Hands a valid request to the flow; the client hears when the database is down. */
  private async proceed(
    request: AdapterRequest,
    reply: HttpReply,
    authorization: AuthorizationRequest,
    client: OAuthClient,
  ): Promise<NextStep> {
    try {
      return await this.flow.proceed(request, reply, authorization, client);
    } catch (error) {
      if (!isDatabaseUnavailable(error) || reply.sent) throw error;
      // RFC 6749 §4.1.2.1: the redirect URI is known good, so the client hears it.
      this.health.reportUnavailable(error);
      return errorRedirect(
        this.config.issuer,
        authorization,
        'temporarily_unavailable',
        'The server is temporarily unavailable. Try again later.',
      );
    }
  }

  /** Runs a step and renders its outcome; anything unexpected becomes an error page, never a stack trace. */
  private async guard(reply: HttpReply, step: () => Promise<NextStep | void>): Promise<void> {
    let next: NextStep | void;
    try {
      next = await step();
    } catch (error) {
      // Before the redirect URI is known, or during sign-in and consent: the user's page.
      return sendInteractionFailure(reply, error, this.health, this.logger);
    }
    if (!next || reply.sent) return;
    if (next.kind === 'redirect') return sendRedirect(reply, next.url);
    const { details } = next;
    sendPage(
      reply,
      200,
      consentPage({
        action: `${OAUTH_PATHS.authorize}/interaction/${details.id}`,
        csrfToken: details.csrfToken,
        clientName: details.client.name,
        clientWebsite: details.client.website,
        userName: details.user.username ?? details.user.id,
        scopes: details.scopes,
        userCode: details.userCode,
        authorizationDetails: details.authorizationDetails,
      }),
    );
  }

  private showError(reply: HttpReply, title: string, message: string, status = 400): void {
    sendPage(reply, status, errorPage(title, message));
  }
}
