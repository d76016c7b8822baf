import { Body, Controller, Get, Inject, Post, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { SAMPLE_CONFIG, SampleConfig } from '../config';
import { SessionService } from '../session/session.service';
import { UsersService } from '../users/users.service';
import { homePage } from '../views/home.view';
import { loginPage } from '../views/login.view';
import { messagePage } from '../views/message.view';
import { redirectTo, safeReturnTo, sendPage } from './page-response';

/**
 * The host's own pages: sign in, sign out, home. The authorization server sends browsers to
 * GET /login?return_to=/oauth/authorize?... and reads the session through UsersService.
 */
@Controller()
export class PagesController {
  constructor(
    @Inject(SAMPLE_CONFIG) private readonly config: SampleConfig,
    private readonly users: UsersService,
    private readonly sessions: SessionService,
  ) {}

  @Get()
  async home(@Req() request: Request, @Res() response: Response): Promise<void> {
    const session = this.sessions.read(request);
    const user = session ? await this.users.findUser(session.userId) : null;
    sendPage(
      response,
      200,
      homePage({
        issuer: this.config.issuer,
        user:
          user && session
            ? {
                name: user.name,
                username: user.username,
                csrfToken: this.sessions.csrfToken(session),
              }
            : undefined,
      }),
    );
  }

  @Get('login')
  loginForm(@Query('return_to') returnTo: unknown, @Res() response: Response): void {
    sendPage(response, 200, loginPage({ returnTo: safeReturnTo(returnTo) }));
  }

  @Post('login')
  async login(
    @Req() request: Request,
    @Body() body: Record<string, unknown>,
    @Res() response: Response,
  ): Promise<void> {
    if (this.postedFromAnotherSite(request)) {
      const message = "Sign in from this site's own sign-in page.";
      sendPage(response, 403, messagePage('Not signed in', message));
      return;
    }
    const returnTo = safeReturnTo(body?.return_to);
    const username = typeof body?.username === 'string' ? body.username.slice(0, 64) : '';
    const password = typeof body?.password === 'string' ? body.password : '';
    const user =
      username && password && password.length <= 1024
        ? await this.users.authenticate(username, password)
        : null;
    if (!user) {
      const error = 'The username or password is not correct.';
      sendPage(response, 401, loginPage({ returnTo, username, error }));
      return;
    }
    this.sessions.start(response, user.id);
    redirectTo(response, returnTo);
  }

  /**
   * Login CSRF: there is no session yet to tie a token to, so a sign-in form posted from another
   * site (which would sign the visitor in as the attacker) is recognised by what browsers send
   * with every form post: Sec-Fetch-Site, or else Origin.
   */
  private postedFromAnotherSite(request: Request): boolean {
    const site = request.headers['sec-fetch-site'];
    if (site !== undefined) return site === 'cross-site' || site === 'same-site';
    const origin = request.headers.origin;
    return origin !== undefined && origin !== new URL(this.config.issuer).origin;
  }

  @Post('logout')
  logout(
    @Req() request: Request,
    @Body() body: Record<string, unknown>,
    @Res() response: Response,
  ): void {
    const session = this.sessions.read(request);
    if (session && !this.sessions.verifyCsrfToken(session, body?.csrf_token)) {
      sendPage(
        response,
        403,
        messagePage(
          'Not signed out',
          'The sign-out form has expired. Go to the home page and sign out from there.',
        ),
      );
      return;
    }
    this.sessions.end(response);
    redirectTo(response, '/');
  }
}
