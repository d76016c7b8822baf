import { Controller, Get, Logger, Param, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { NOSNIFF } from '../common/json-response';
import { ClientStore } from '../storage/stores/client.store';
import { OAuthException } from '../errors/oauth.exception';
import {
  AuthorizationRedirectError,
  validateAuthorizationRequest,
} from '../interactions/authorization-request';
import type { AuthorizationRequest } from '../interactions/authorization-request';
import { AuthorizationFlow, NextStep } from '../interactions/authorization-flow.service';
import { errorRedirect } from '../interactions/authorization-redirects';
import { AuthorizationService } from '../interactions/authorization.service';
import { InteractionError } from '../errors/oauth-server.error';
import { consentPage, errorPage, sendPage } from '../interactions/pages';
import { matchRedirectUri } from '../interactions/redirect-uri-match';
import { InjectOAuthConfig, OAUTH_PATHS } from '../oauth.constants';
import type { OAuthConfig } from '../options/oauth-config';
import { formParams, queryParams } from './form-params';
import { Public } from '../resource/decorators';
import { DatabaseHealthLog } from '../storage/database-health-log';
import {
  DATABASE_RETRY_AFTER_SECONDS,
  isDatabaseUnavailable,
} from '../storage/database-unavailable';

/**
 * The authorization endpoint (RFC 6749 §3.1, OIDC Core §3.1.2): GET or form POST. client_id
 * and redirect_uri are checked first; when either is wrong the user sees an error page and is
 * never redirected. Other errors go to the client with state and iss (RFC 9207).
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
  ) {}

  @Get()
  authorizeGet(@Req() request: Request, @Res() response: Response): Promise<void> {
    return this.handle(request, response, () => queryParams(request));
  }

  @Post()
  authorizePost(@Req() request: Request, @Res() response: Response): Promise<void> {
    return this.handle(request, response, () => formParams(request));
  }

  /** Where sign-in returns to, and where the default consent page lives. */
  @Get('interaction/:id')
  async resume(
    @Req() request: Request,
    @Res() response: Response,
    @Param('id') id: string,
  ): Promise<void> {
    await this.guard(response, () => this.flow.resume(id, request, response));
  }

  /** The default consent page's form: Allow or Deny. */
  @Post('interaction/:id')
  async decide(
    @Req() request: Request,
    @Res() response: Response,
    @Param('id') id: string,
  ): Promise<void> {
    await this.guard(response, async () => {
      const params = formParams(request);
      if (!this.decisions.checkCsrfToken(id, request, params.csrf_token)) {
        throw new InteractionError('The form has expired. Start again from the application.');
      }
      const url =
        params.decision === 'allow'
          ? await this.decisions.approve(id, request)
          : await this.decisions.deny(id, request);
      return { kind: 'redirect', url };
    });
  }

  private async handle(
    request: Request,
    response: Response,
    readParams: () => Record<string, string>,
  ): Promise<void> {
    await this.guard(response, async () => {
      const params = readParams();
      const client = await this.clients.find(params.client_id);
      if (!client)
        return this.showError(
          response,
          'Unknown application',
          'The application that sent you here is not registered.',
        );
      const redirectUri = matchRedirectUri(params.redirect_uri, client.redirectUris);
      if (!redirectUri) {
        return this.showError(
          response,
          'Invalid redirect URI',
          'The application sent a redirect URI it has not registered.',
        );
      }
      let authorization: AuthorizationRequest;
      try {
        authorization = validateAuthorizationRequest(params, client, redirectUri, this.config);
      } catch (error) {
        if (!(error instanceof AuthorizationRedirectError)) throw error;
        return errorRedirect(
          this.config.issuer,
          { redirectUri, state: params.state },
          error.error,
          error.description,
        );
      }
      try {
        return await this.flow.proceed(request, response, authorization, client);
      } catch (error) {
        if (!isDatabaseUnavailable(error) || response.headersSent) throw error;
        // RFC 6749 §4.1.2.1: the redirect URI is known good, so the client hears it.
        this.health.reportUnavailable(error);
        return errorRedirect(
          this.config.issuer,
          { redirectUri, state: params.state },
          'temporarily_unavailable',
          'The server is temporarily unavailable. Try again later.',
        );
      }
    });
  }

  /** Runs a step and renders its outcome; anything unexpected becomes an error page, never a stack trace. */
  private async guard(response: Response, step: () => Promise<NextStep | void>): Promise<void> {
    let next: NextStep | void;
    try {
      next = await step();
    } catch (error) {
      if (error instanceof InteractionError)
        return this.showError(response, 'Cannot continue', error.message);
      if (error instanceof OAuthException && error.httpStatus < 500) {
        return this.showError(response, 'Invalid request', error.description);
      }
      if (isDatabaseUnavailable(error)) {
        // Before the redirect URI is known (or during sign-in and consent): the user's page.
        this.health.reportUnavailable(error);
        response.set('Retry-After', String(DATABASE_RETRY_AFTER_SECONDS));
        return this.showError(
          response,
          'Temporarily unavailable',
          'The server is temporarily unavailable. Try again in a moment.',
          503,
        );
      }
      // A bug: logged by name and message only (the request may hold secrets), shown as a page.
      this.logger.error(`Unexpected ${(error as Error)?.name}: ${(error as Error)?.message}`);
      return this.showError(
        response,
        'Something went wrong',
        'The server could not complete the request.',
        500,
      );
    }
    if (!next || response.headersSent) return;
    if (next.kind === 'redirect') {
      response
        .set({ 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer', ...NOSNIFF })
        .redirect(303, next.url);
      return;
    }
    const { details } = next;
    sendPage(
      response,
      200,
      consentPage({
        action: `${OAUTH_PATHS.authorize}/interaction/${details.id}`,
        csrfToken: details.csrfToken,
        clientName: details.client.name,
        clientWebsite: details.client.website,
        userName: details.user.username ?? details.user.id,
        scopes: details.scopes,
      }),
    );
  }

  private showError(response: Response, title: string, message: string, status = 400): void {
    sendPage(response, status, errorPage(title, message));
  }
}
