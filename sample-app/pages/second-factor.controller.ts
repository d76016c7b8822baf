import { Body, Controller, Get, Post, Query, Req, Res } from '@nestjs/common';
import type { AdapterRequest, AdapterResponse } from '../http/adapter-types';
import { SessionService } from '../session/session.service';
import { messagePage } from '../views/message.view';
import { oneTimeCodePage } from '../views/one-time-code.view';
import { PageResponder, safeReturnTo } from './page-response';

const PAGE = '/login/one-time-code';

/** The one-time code page for `returnTo` (a same-origin path). */
export function oneTimeCodeUrl(returnTo: string): string {
  return `${PAGE}?${new URLSearchParams({ return_to: returnTo })}`;
}

/**
 * The simulated second factor: a user signed in with a password enters the one-time code shown
 * on the page and the session is raised to "substantial" (`acr`), with `amr` pwd + otp and a
 * new sign-in time. The authorization server sends users here (through /login, with
 * `acr_values=substantial`) when a client asks for payments.
 */
@Controller()
export class SecondFactorController {
  constructor(
    private readonly sessions: SessionService,
    private readonly respond: PageResponder,
  ) {}

  @Get(PAGE)
  form(
    @Req() request: AdapterRequest,
    @Query('return_to') returnTo: unknown,
    @Res({ passthrough: true }) response: AdapterResponse,
  ): string | undefined {
    const back = safeReturnTo(returnTo);
    const session = this.sessions.read(request);
    // The password comes first.
    if (!session) return this.respond.seeOther(response, this.loginUrl(back));
    return this.respond.page(
      response,
      200,
      oneTimeCodePage({
        returnTo: back,
        code: this.sessions.oneTimeCode(session),
        csrfToken: this.sessions.csrfToken(session),
      }),
    );
  }

  @Post(PAGE)
  verify(
    @Req() request: AdapterRequest,
    @Body() body: Record<string, unknown>,
    @Res({ passthrough: true }) response: AdapterResponse,
  ): string | undefined {
    const returnTo = safeReturnTo(body?.return_to);
    const session = this.sessions.read(request);
    if (!session) return this.respond.seeOther(response, this.loginUrl(returnTo));
    // The session's CSRF token: another site cannot post a code into this session.
    if (!this.sessions.verifyCsrfToken(session, body?.csrf_token)) {
      return this.respond.page(
        response,
        403,
        messagePage('Not verified', 'The form has expired. Start again from the application.'),
      );
    }
    if (!this.sessions.verifyOneTimeCode(session, body?.code)) {
      return this.respond.page(
        response,
        401,
        oneTimeCodePage({
          returnTo,
          code: this.sessions.oneTimeCode(session),
          csrfToken: this.sessions.csrfToken(session),
          error: 'That code is not correct. Enter the code shown above.',
        }),
      );
    }
    this.sessions.start(response, session.userId, 'substantial');
    return this.respond.seeOther(response, returnTo);
  }

  private loginUrl(returnTo: string): string {
    return `/login?${new URLSearchParams({ return_to: returnTo, acr_values: 'substantial' })}`;
  }
}
