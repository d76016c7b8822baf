import { Controller, Get, Logger, Post, Req, Res } from '@nestjs/common';
import { InteractionError } from '../errors/oauth-server.error';
import { AdapterRequest, httpRequestOf } from '../http/http-request';
import { AdapterResponse, HttpReply, httpReplyOf } from '../http/http-reply';
import { csrfToken, ensureBinding, isCsrfTokenValid } from '../interactions/browser-binding';
import { sendInteractionFailure } from '../interactions/interaction-failure-page';
import { errorPage, sendPage, sendRedirect } from '../interactions/pages';
import { EndSessionRequest, EndSessionService } from '../logout/end-session.service';
import { logoutConfirmPage, signedOutPage } from '../logout/logout-pages';
import { InjectOAuthConfig, OAUTH_PATHS } from '../oauth.constants';
import type { OAuthConfig } from '../options/oauth-config';
import { Public } from '../resource/decorators';
import { DatabaseHealthLog } from '../storage/database-health-log';
import { formParams, queryParams } from './form-params';

/** What the confirmation form's CSRF token is derived for (with the browser-binding cookie). */
const CONFIRM_FORM = 'end_session';

/**
 * The end-session endpoint (OpenID Connect RP-Initiated Logout 1.0 §2), GET or form POST, served
 * with `logout.enabled`. A signed-in user is asked to confirm (a `Sign out` button, its form tied
 * to this browser like the consent form); then the host ends its session, the clients are told
 * (Back-Channel Logout) and the browser goes to the client's registered post-logout redirect
 * URI with `state`, or sees the module's signed-out page. Never a redirect to an unregistered URI.
 */
@Public()
@Controller(OAUTH_PATHS.endSession)
export class EndSessionController {
  private readonly logger = new Logger('OAuth');

  constructor(
    @InjectOAuthConfig() private readonly config: OAuthConfig,
    private readonly endSession: EndSessionService,
    private readonly health: DatabaseHealthLog,
  ) {}

  @Get()
  endSessionGet(@Req() raw: AdapterRequest, @Res() response: AdapterResponse): Promise<void> {
    return this.guard(response, (reply) =>
      this.start(raw, response, reply, queryParams(httpRequestOf(raw))),
    );
  }

  @Post()
  endSessionPost(@Req() raw: AdapterRequest, @Res() response: AdapterResponse): Promise<void> {
    return this.guard(response, (reply) =>
      this.start(raw, response, reply, formParams(httpRequestOf(raw))),
    );
  }

  /** The confirmation page's form: checked like the consent form, then the logout. */
  @Post('confirm')
  confirm(@Req() raw: AdapterRequest, @Res() response: AdapterResponse): Promise<void> {
    return this.guard(response, async (reply) => {
      const params = formParams(httpRequestOf(raw));
      if (!isCsrfTokenValid(raw, CONFIRM_FORM, params.csrf_token)) {
        throw new InteractionError(
          'The sign-out form has expired. Start again from the application.',
        );
      }
      // Validated again: the form came back through the browser.
      const request = await this.endSession.validate({
        client_id: params.client_id,
        post_logout_redirect_uri: params.post_logout_redirect_uri,
        state: params.state,
      });
      const user = await this.config.resourceOwner!.getSignedInUser(raw);
      if (user) await this.endSession.logOut(raw, response, user, request.client?.clientId);
      this.finish(reply, request);
    });
  }

  private async start(
    raw: AdapterRequest,
    response: AdapterResponse,
    reply: HttpReply,
    params: Record<string, string>,
  ): Promise<void> {
    const request = await this.endSession.validate(params);
    const user = await this.config.resourceOwner!.getSignedInUser(raw);
    // Nobody to sign out: straight to where a logout ends.
    if (!user) return this.finish(reply, request);
    if (!this.config.logout.confirm && request.hintSubject === user.id) {
      await this.endSession.logOut(raw, response, user, request.client?.clientId);
      return this.finish(reply, request);
    }
    const binding = ensureBinding(raw, reply, this.config.issuer.startsWith('https:'));
    sendPage(
      reply,
      200,
      logoutConfirmPage({
        action: `${OAUTH_PATHS.endSession}/confirm`,
        csrfToken: csrfToken(binding, CONFIRM_FORM),
        userName: user.username ?? user.id,
        clientName: request.client?.name,
        hidden: {
          client_id: request.client?.clientId,
          post_logout_redirect_uri: request.postLogoutRedirectUri,
          state: request.postLogoutRedirectUri ? request.state : undefined,
        },
      }),
    );
  }

  private finish(reply: HttpReply, request: EndSessionRequest): void {
    const url = this.endSession.redirectUrl(request);
    if (url) return sendRedirect(reply, url);
    sendPage(reply, 200, signedOutPage());
  }

  /** 404 while logout is off; errors become pages (400 for bad input), never stack traces. */
  private async guard(
    response: AdapterResponse,
    step: (reply: HttpReply) => Promise<void>,
  ): Promise<void> {
    const reply = httpReplyOf(response);
    if (!this.config.logout.enabled) {
      return sendPage(reply, 404, errorPage('Not found', 'Logout is not enabled.'));
    }
    try {
      await step(reply);
    } catch (error) {
      if (reply.sent) throw error;
      sendInteractionFailure(reply, error, this.health, this.logger);
    }
  }
}
