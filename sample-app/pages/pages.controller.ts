import { Body, Controller, Get, Inject, Post, Query, Req, Res } from '@nestjs/common';
import { SAMPLE_CONFIG, SampleConfig } from '../config';
import type { AdapterRequest, AdapterResponse } from '../http/adapter-types';
import { SessionService } from '../session/session.service';
import { UsersService } from '../users/users.service';
import { homePage } from '../views/home.view';
import { loginPage } from '../views/login.view';
import { messagePage } from '../views/message.view';
import { PageResponder, safeReturnTo } from './page-response';
import { levelAskedFor, meets } from '../session/sign-in-levels';
import { oneTimeCodeUrl } from './second-factor.controller';

/**
 * The host's own pages: sign in, sign out, home. The authorization server sends browsers to
 * GET /login?return_to=/oauth/authorize?... and reads the session through UsersService.
 * Each handler returns its page (or nothing, after a redirect) and Nest sends it, on either
 * HTTP adapter.
 */
@Controller()
export class PagesController {
  constructor(
    @Inject(SAMPLE_CONFIG) private readonly config: SampleConfig,
    private readonly users: UsersService,
    private readonly sessions: SessionService,
    private readonly respond: PageResponder,
  ) {}

  @Get()
  async home(
    @Req() request: AdapterRequest,
    @Res({ passthrough: true }) response: AdapterResponse,
  ): Promise<string> {
    const session = this.sessions.read(request);
    const user = session ? await this.users.findUser(session.userId) : null;
    return this.respond.page(
      response,
      200,
      homePage({
        issuer: this.config.issuer,
        user: user && session ? { name: user.name, username: user.username } : undefined,
      }),
    );
  }

  /**
   * The sign-in page. The authorization server says what the sign-in must reach: `acr_values`
   * (the level; "substantial" for payments), `prompt=login` (the password again). A user signed
   * in with a password who only needs a stronger level goes straight to the one-time code.
   */
  @Get('login')
  loginForm(
    @Req() request: AdapterRequest,
    @Query() query: Record<string, unknown>,
    @Res({ passthrough: true }) response: AdapterResponse,
  ): string | undefined {
    const returnTo = safeReturnTo(query.return_to);
    const wanted = levelAskedFor(query.acr_values);
    const session = this.sessions.read(request);
    if (session && query.prompt !== 'login' && !meets(session.level, wanted)) {
      return this.respond.seeOther(response, oneTimeCodeUrl(returnTo));
    }
    return this.respond.page(response, 200, loginPage({ returnTo, acrValues: wanted }));
  }

  @Post('login')
  async login(
    @Req() request: AdapterRequest,
    @Body() body: Record<string, unknown>,
    @Res({ passthrough: true }) response: AdapterResponse,
  ): Promise<string | undefined> {
    if (this.postedFromAnotherSite(request)) {
      const message = "Sign in from this site's own sign-in page.";
      return this.respond.page(response, 403, messagePage('Not signed in', message));
    }
    const returnTo = safeReturnTo(body?.return_to);
    const wanted = levelAskedFor(body?.acr_values);
    const username = typeof body?.username === 'string' ? body.username.slice(0, 64) : '';
    const password = typeof body?.password === 'string' ? body.password : '';
    const user =
      username && password && password.length <= 1024
        ? await this.users.authenticate(username, password)
        : null;
    if (!user) {
      const error = 'The username or password is not correct.';
      return this.respond.page(
        response,
        401,
        loginPage({ returnTo, username, error, acrValues: wanted }),
      );
    }
    // A password is level "low"; a stronger level asked for takes the one-time code next.
    const session = this.sessions.start(response, user.id, 'low');
    if (!meets(session.level, wanted)) {
      return this.respond.seeOther(response, oneTimeCodeUrl(returnTo));
    }
    return this.respond.seeOther(response, returnTo);
  }

  /**
   * Login CSRF: there is no session yet to tie a token to, so a sign-in form posted from another
   * site (which would sign the visitor in as the attacker) is recognised by what browsers send
   * with every form post: Sec-Fetch-Site, or else Origin.
   */
  private postedFromAnotherSite(request: AdapterRequest): boolean {
    const site = request.headers['sec-fetch-site'];
    if (site !== undefined) return site === 'cross-site' || site === 'same-site';
    const origin = request.headers.origin;
    return origin !== undefined && origin !== new URL(this.config.issuer).origin;
  }

  /**
   * Ends the sample's session only (no one else is told): for scripts and tests. The home page's
   * "Sign out" link goes to the authorization server's end-session endpoint instead, which asks,
   * calls UsersService.endSession and tells the clients (OpenID Connect logout).
   */
  @Post('logout')
  logout(
    @Req() request: AdapterRequest,
    @Body() body: Record<string, unknown>,
    @Res({ passthrough: true }) response: AdapterResponse,
  ): string | undefined {
    const session = this.sessions.read(request);
    if (session && !this.sessions.verifyCsrfToken(session, body?.csrf_token)) {
      return this.respond.page(
        response,
        403,
        messagePage(
          'Not signed out',
          'The sign-out form has expired. Go to the home page and sign out from there.',
        ),
      );
    }
    this.sessions.end(response);
    return this.respond.seeOther(response, '/');
  }
}
