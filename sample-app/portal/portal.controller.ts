import { Body, Controller, Get, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import { SAMPLE_CONFIG, SampleConfig } from '../config';
import type { AdapterRequest, AdapterResponse } from '../http/adapter-types';
import {
  ClientNotFoundError,
  ClientService,
  ClientView,
  ConsentService,
  InjectOAuthConfig,
  InvalidClientMetadataError,
  TokenRevocationService,
} from '../oauth-server';
import type { OAuthConfig } from '../oauth-server';
import { PageResponder } from '../pages/page-response';
import { Session, SessionService } from '../session/session.service';
import { UsersService } from '../users/users.service';
import { messagePage } from '../views/message.view';
import {
  AuthorisedApp,
  credentialsPage,
  PORTAL_BACK,
  portalPage,
  PortalView,
} from '../views/portal.view';
import {
  apiChoices,
  EMPTY_REGISTRATION_FORM,
  FormError,
  readRegistrationForm,
  RegistrationField,
  RegistrationFormValues,
} from './registration-form';

/** Where the portal sends a browser that is not signed in. */
export const PORTAL_LOGIN_URL = '/login?return_to=/developers';

/** What the last action did, by the `done` query parameter of the redirect back to the portal. */
const NOTICES: Record<string, string> = {
  deleted: 'The application was deleted. Its tokens no longer work.',
  revoked: 'Access revoked: the application can no longer act for you.',
};

/** What a handler returns for Nest to send: a page, or nothing after a redirect. */
type Answer = string | undefined;

/** The answer already given instead of going on (to the sign-in page, 403, 404). */
class Answered {
  constructor(readonly answer: Answer) {}
}

/** A signed-in user of the portal. */
interface PortalUser {
  session: Session;
  id: string;
  name: string;
  username: string;
}

/**
 * The developer portal at /developers: a signed-in user registers applications (clients) they
 * own, sees their client_id (and the secret, once), rotates the secret, deletes them, and
 * withdraws the access they gave to applications. Server-rendered; every POST form carries the
 * session's CSRF token; someone else's application is answered with 404, as if it did not exist.
 * Each handler returns its page (or nothing, after a redirect) and Nest sends it, on either
 * HTTP adapter.
 */
@Controller('developers')
export class PortalController {
  constructor(
    @Inject(SAMPLE_CONFIG) private readonly config: SampleConfig,
    @InjectOAuthConfig() private readonly oauthConfig: OAuthConfig,
    private readonly users: UsersService,
    private readonly sessions: SessionService,
    private readonly clients: ClientService,
    private readonly consents: ConsentService,
    private readonly revocation: TokenRevocationService,
    private readonly respond: PageResponder,
  ) {}

  @Get()
  async portal(
    @Req() request: AdapterRequest,
    @Query('done') done: unknown,
    @Res({ passthrough: true }) response: AdapterResponse,
  ): Promise<Answer> {
    const user = await this.signedIn(request);
    if (!user) return this.respond.seeOther(response, PORTAL_LOGIN_URL);
    const notice = typeof done === 'string' && Object.hasOwn(NOTICES, done) ? NOTICES[done] : '';
    return this.respond.page(
      response,
      200,
      portalPage(await this.view(user, EMPTY_REGISTRATION_FORM, { notice })),
    );
  }

  @Post('apps')
  async register(
    @Req() request: AdapterRequest,
    @Body() body: Record<string, unknown>,
    @Res({ passthrough: true }) response: AdapterResponse,
  ): Promise<Answer> {
    const user = await this.authorizeForm(request, body, response);
    if (user instanceof Answered) return user.answer;
    const offered = Object.keys(this.oauthConfig.scopes);
    const form = readRegistrationForm(body, offered, user.id);
    if (!form.registration) return this.formError(response, user, form.values, form.error!);
    try {
      const { client, clientSecret } = await this.clients.register(form.registration);
      return this.respond.page(
        response,
        200,
        credentialsPage({
          kind: 'registered',
          name: client.name,
          clientId: client.clientId,
          clientSecret,
          issuer: this.config.issuer,
          device: isDeviceApp(client),
          fapi: isFapiApp(client),
        }),
      );
    } catch (error) {
      if (!(error instanceof InvalidClientMetadataError)) throw error;
      const problem = registrationProblem(error.code, error.description);
      return this.formError(response, user, form.values, problem);
    }
  }

  @Post('apps/:clientId/secret')
  async rotateSecret(
    @Req() request: AdapterRequest,
    @Param('clientId') clientId: string,
    @Body() body: Record<string, unknown>,
    @Res({ passthrough: true }) response: AdapterResponse,
  ): Promise<Answer> {
    const client = await this.ownedClientOfForm(request, body, clientId, response);
    if (client instanceof Answered) return client.answer;
    if (client.clientType !== 'confidential') {
      const message = 'Public applications have no client secret to rotate.';
      return this.respond.page(
        response,
        400,
        messagePage('No secret to rotate', message, PORTAL_BACK),
      );
    }
    const clientSecret = await this.clients.rotateSecret(client.clientId);
    return this.respond.page(
      response,
      200,
      credentialsPage({
        kind: 'rotated',
        name: client.name,
        clientId: client.clientId,
        clientSecret,
        issuer: this.config.issuer,
      }),
    );
  }

  @Post('apps/:clientId/delete')
  async deleteApp(
    @Req() request: AdapterRequest,
    @Param('clientId') clientId: string,
    @Body() body: Record<string, unknown>,
    @Res({ passthrough: true }) response: AdapterResponse,
  ): Promise<Answer> {
    const client = await this.ownedClientOfForm(request, body, clientId, response);
    if (client instanceof Answered) return client.answer;
    try {
      await this.clients.delete(client.clientId);
    } catch (error) {
      // Deleted meanwhile (another tab): the outcome the user asked for.
      if (!(error instanceof ClientNotFoundError)) throw error;
    }
    return this.respond.seeOther(response, '/developers?done=deleted');
  }

  /** Withdraws what the user let one application do: its tokens for them and the consent. */
  @Post('authorised/:clientId/revoke')
  async revokeAccess(
    @Req() request: AdapterRequest,
    @Param('clientId') clientId: string,
    @Body() body: Record<string, unknown>,
    @Res({ passthrough: true }) response: AdapterResponse,
  ): Promise<Answer> {
    const user = await this.authorizeForm(request, body, response);
    if (user instanceof Answered) return user.answer;
    // Scoped to this user's own grants, so any client_id is safe to act on.
    await this.revocation.revokeUserAtClient(user.id, clientId);
    return this.respond.seeOther(response, '/developers?done=revoked');
  }

  /** The form's user (authorizeForm) and their client `clientId`, or the answer given instead. */
  private async ownedClientOfForm(
    request: AdapterRequest,
    body: Record<string, unknown>,
    clientId: string,
    response: AdapterResponse,
  ): Promise<ClientView | Answered> {
    const user = await this.authorizeForm(request, body, response);
    return user instanceof Answered ? user : this.ownedClient(user, clientId, response);
  }

  /** The signed-in user of the request, or null (no or bad session, or the user is gone). */
  private async signedIn(request: AdapterRequest): Promise<PortalUser | null> {
    const session = this.sessions.read(request);
    const user = session ? await this.users.findUser(session.userId) : null;
    return session && user
      ? { session, id: user.id, name: user.name, username: user.username }
      : null;
  }

  /**
   * The user of a form POST, or the answer given instead: not signed in -> to the sign-in page;
   * no or a wrong CSRF token -> 403 and nothing done.
   */
  private async authorizeForm(
    request: AdapterRequest,
    body: Record<string, unknown> | undefined,
    response: AdapterResponse,
  ): Promise<PortalUser | Answered> {
    const user = await this.signedIn(request);
    if (!user) return new Answered(this.respond.seeOther(response, PORTAL_LOGIN_URL));
    if (!this.sessions.verifyCsrfToken(user.session, body?.csrf_token)) {
      const message =
        'The form has expired or did not come from this site. Nothing was changed. ' +
        'Go back to the developer portal and try again.';
      return new Answered(
        this.respond.page(response, 403, messagePage('Form expired', message, PORTAL_BACK)),
      );
    }
    return user;
  }

  /** The user's own client with this id, or the 404 answered instead (unknown or not theirs). */
  private async ownedClient(
    user: PortalUser,
    clientId: string,
    response: AdapterResponse,
  ): Promise<ClientView | Answered> {
    let client: ClientView | null = null;
    try {
      client = await this.clients.get(clientId);
    } catch (error) {
      if (!(error instanceof ClientNotFoundError)) throw error;
    }
    if (!client || client.owner !== user.id) {
      const message = 'You have no application with this client ID.';
      const page = messagePage('Application not found', message, PORTAL_BACK);
      return new Answered(this.respond.page(response, 404, page));
    }
    return client;
  }

  private async formError(
    response: AdapterResponse,
    user: PortalUser,
    values: RegistrationFormValues,
    error: FormError,
  ): Promise<Answer> {
    return this.respond.page(response, 400, portalPage(await this.view(user, values, { error })));
  }

  private async view(
    user: PortalUser,
    form: RegistrationFormValues,
    extra: { error?: FormError; notice?: string },
  ): Promise<PortalView> {
    const scopes = this.oauthConfig.scopes;
    const [apps, consents] = await Promise.all([
      this.clients.list({ owner: user.id }),
      this.consents.listForUser(user.id),
    ]);
    const consentedClients = await Promise.all(
      consents.map((consent) =>
        this.clients.get(consent.clientId).catch((error: unknown) => {
          if (error instanceof ClientNotFoundError) return null;
          throw error;
        }),
      ),
    );
    const authorised: AuthorisedApp[] = [];
    for (const [index, consent] of consents.entries()) {
      const client = consentedClients[index];
      if (!client) continue; // deleting a client forgets its consents; a leftover means nothing
      authorised.push({
        clientId: client.clientId,
        name: client.name,
        website: client.website,
        scopes: consent.scopes.map((name) => ({
          name,
          description: Object.hasOwn(scopes, name) ? scopes[name].description : name,
        })),
      });
    }
    return {
      user: { name: user.name, username: user.username },
      csrfToken: this.sessions.csrfToken(user.session),
      apps: apps.map((app) => ({
        clientId: app.clientId,
        name: app.name,
        website: app.website,
        clientType: app.clientType,
        device: isDeviceApp(app),
        fapi: isFapiApp(app),
        redirectUris: app.redirectUris,
        scopes: app.scopes,
        postLogoutRedirectUris: app.postLogoutRedirectUris,
        backchannelLogoutUri: app.backchannelLogoutUri,
      })),
      authorised,
      apiChoices: apiChoices(scopes),
      form,
      error: extra.error,
      notice: extra.notice,
    };
  }
}

/** Registered for the device flow (RFC 8628): the portal's "Device" type. */
const isDeviceApp = (client: ClientView): boolean =>
  client.grantTypes.includes('urn:ietf:params:oauth:grant-type:device_code');

/** Registered with the portal's "FAPI 2.0" type: it authenticates with its own keys. */
const isFapiApp = (client: ClientView): boolean =>
  client.tokenEndpointAuthMethod === 'private_key_jwt';

/**
 * Which field a refused registration points at, by the start of ClientService's description
 * (a prefix naming the metadata is cut off: the label names it in the user's words).
 */
const REGISTRATION_FIELDS: {
  prefix: RegExp;
  label: string;
  field: RegistrationField;
  cut: boolean;
}[] = [
  { prefix: /^(jwks|private_key_jwt)\b/, label: 'Public keys', field: 'jwks', cut: false },
  {
    prefix: /^post_logout_redirect_uris: /,
    label: 'Sign-out return URI',
    field: 'postLogoutRedirectUris',
    cut: true,
  },
  {
    prefix: /^backchannel_logout_uri: /,
    label: 'Back-channel logout URI',
    field: 'backchannelLogoutUri',
    cut: true,
  },
  { prefix: /^client_uri /, label: 'Website', field: 'website', cut: false },
];

function registrationProblem(code: string, description: string): FormError {
  const known = REGISTRATION_FIELDS.find((entry) => entry.prefix.test(description));
  if (known) {
    const text = known.cut ? description.replace(known.prefix, '') : description;
    return { message: `${known.label} not accepted: ${text}.`, field: known.field };
  }
  if (code === 'invalid_redirect_uri')
    return { message: `Redirect URI not accepted: ${description}.`, field: 'redirectUris' };
  return { message: `The application could not be registered: ${description}.` };
}
