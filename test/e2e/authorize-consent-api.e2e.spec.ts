// A host with its own consent page (`interaction.consentUrl`) decides through
// AuthorizationService: getInteraction shows only what a page may show, checkCsrfToken checks
// its form, approve gives the client a code that exchanges, deny gives access_denied, and an
// interaction is decided once, by the browser and user it belongs to.
import {
  BadRequestException,
  Body,
  Controller,
  Get,
  Param,
  Post,
  Query,
  Req,
} from '@nestjs/common';
import { AuthorizationService, InteractionError } from '../../src';
import type { InteractionDetails } from '../../src';
import {
  callbackParams,
  codeRequest,
  exchangeCode,
  expectRedirectError,
  Page,
  REDIRECT_URI,
  TestBrowser,
} from '../support/authorize-helpers';
import { TEST_TARGETS } from '../support/targets';
import { startTestApp, TestApp } from '../support/test-app';
import { registerCodeClient, TestClient } from '../support/token-helpers';

/**
 * The request AuthorizationService takes: what `@Req()` gives on either adapter. Named through
 * the service, not imported from 'express', so that the spec runs on Fastify too.
 */
type HostRequest = Parameters<AuthorizationService['getInteraction']>[1];

/** The host's consent page, as JSON: what it would render, and its form's handler. */
@Controller('consent')
class HostConsentController {
  constructor(private readonly authorization: AuthorizationService) {}

  @Get()
  show(@Req() request: HostRequest, @Query('interaction_id') id: string) {
    return refused(() => this.authorization.getInteraction(id, request));
  }

  @Post(':id')
  decide(
    @Req() request: HostRequest,
    @Param('id') id: string,
    @Body() form: { csrf_token?: string; decision?: string },
  ) {
    return refused(async () => {
      if (!this.authorization.checkCsrfToken(id, request, form.csrf_token))
        throw new InteractionError('Bad form.');
      const url =
        form.decision === 'allow'
          ? await this.authorization.approve(id, request)
          : await this.authorization.deny(id, request);
      return { url };
    });
  }
}

/** An InteractionError as a 400 with its message, as a host page would show it. */
async function refused<T>(step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    if (error instanceof InteractionError) throw new BadRequestException(error.message);
    throw error;
  }
}

function json<T>(page: Page): T {
  return JSON.parse(page.text) as T;
}

describe.each(TEST_TARGETS)('host consent page through AuthorizationService (%s)', (target) => {
  let server: TestApp;
  let client: TestClient;

  beforeAll(async () => {
    server = await startTestApp(
      target,
      { interaction: { loginUrl: '/login', consentUrl: '/consent' } },
      { controllers: [HostConsentController] },
    );
    client = await registerCodeClient(server, { name: 'Budget app' });
  });
  afterAll(() => server.close());

  /** Starts a request as alice and follows the redirect to the host page: its interaction id. */
  async function startAtHostPage(browser: TestBrowser, scope = 'openid accounts:read') {
    const { params, verifier } = codeRequest({ client, scope });
    const page = await browser.authorize(params);
    expect(page.status).toBe(303);
    const location = new URL(page.location!);
    expect(`${location.origin}${location.pathname}`).toBe(`${server.url}/consent`);
    return { id: location.searchParams.get('interaction_id')!, verifier };
  }

  it('getInteraction: the client, the scopes with their descriptions, the user and a CSRF token, nothing stored', async () => {
    const browser = new TestBrowser(server, 'user-alice');
    const { id } = await startAtHostPage(browser);
    const page = await browser.get(`/consent?interaction_id=${id}`);
    expect(page.status).toBe(200);
    const details = json<InteractionDetails>(page);
    expect(details).toEqual({
      id,
      client: { clientId: client.clientId, name: 'Budget app', website: null },
      scopes: [
        { name: 'openid', description: 'Sign you in' },
        { name: 'accounts:read', description: 'Read your account information' },
      ],
      user: expect.objectContaining({ id: 'user-alice', username: 'alice' }),
      csrfToken: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
    });
    expect(page.text).not.toMatch(/hash|secret|redirect/i);
  });

  it('approve: the client gets a code (with state and iss) that exchanges for tokens; once only', async () => {
    const browser = new TestBrowser(server, 'user-alice');
    const { id, verifier } = await startAtHostPage(browser);
    const { csrfToken } = json<InteractionDetails>(
      await browser.get(`/consent?interaction_id=${id}`),
    );
    const decided = await browser.post(`/consent/${id}`, {
      csrf_token: csrfToken,
      decision: 'allow',
    });
    expect(decided.status).toBe(201);
    const callback = new URL(json<{ url: string }>(decided).url);
    expect(`${callback.origin}${callback.pathname}`).toBe(REDIRECT_URI);
    expect(callback.searchParams.get('state')).toBe('state-123');
    expect(callback.searchParams.get('iss')).toBe(server.url);
    const tokens = await exchangeCode(server, client, {
      code: callback.searchParams.get('code')!,
      code_verifier: verifier,
      redirect_uri: REDIRECT_URI,
    });
    expect(tokens.status).toBe(200);

    const again = await browser.post(`/consent/${id}`, {
      csrf_token: csrfToken,
      decision: 'allow',
    });
    expect(again.status).toBe(400);
    // The consent is remembered: the next request for the same scopes skips the page.
    const next = await browser.authorize(
      codeRequest({ client, scope: 'openid accounts:read' }).params,
    );
    expect(callbackParams(next).get('code')).toEqual(expect.any(String));
  });

  it('deny: the client hears access_denied', async () => {
    const browser = new TestBrowser(server, 'user-bob');
    const { id } = await startAtHostPage(browser, 'accounts:read');
    const { csrfToken } = json<InteractionDetails>(
      await browser.get(`/consent?interaction_id=${id}`),
    );
    const decided = await browser.post(`/consent/${id}`, {
      csrf_token: csrfToken,
      decision: 'deny',
    });
    const url = json<{ url: string }>(decided).url;
    expectRedirectError({ status: 303, location: url } as Page, server, 'access_denied');
  });

  it('refuses a wrong CSRF token, another browser and another user', async () => {
    const browser = new TestBrowser(server, 'user-alice');
    const { id } = await startAtHostPage(browser, 'accounts:read payments:write');
    const { csrfToken } = json<InteractionDetails>(
      await browser.get(`/consent?interaction_id=${id}`),
    );
    const forged = await browser.post(`/consent/${id}`, {
      csrf_token: `${csrfToken.slice(0, -1)}x`,
      decision: 'allow',
    });
    expect(forged.status).toBe(400);

    const stranger = new TestBrowser(server, 'user-alice');
    expect((await stranger.get(`/consent?interaction_id=${id}`)).status).toBe(400);
    expect(
      (await stranger.post(`/consent/${id}`, { csrf_token: csrfToken, decision: 'allow' })).status,
    ).toBe(400);

    browser.user = 'user-bob';
    const otherUser = await browser.get(`/consent?interaction_id=${id}`);
    expect(otherUser.status).toBe(400);
    expect(json<{ message: string }>(otherUser).message).toBe('Sign in again to continue.');

    // Still undecided: alice can decide it.
    browser.user = 'user-alice';
    const decided = await browser.post(`/consent/${id}`, {
      csrf_token: csrfToken,
      decision: 'deny',
    });
    expect(decided.status).toBe(201);
  });
});
