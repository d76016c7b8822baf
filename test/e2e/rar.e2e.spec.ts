// Rich Authorization Requests (RFC 9396): authorization_details from the request (authorization
// endpoint, PAR, token endpoint) through consent (described by the host's types, choices, Deny,
// one-off versus reusable consent) to the tokens (token response, JWT claim, introspection) and
// the host's routes (@AuthorizationDetails, @AcceptAuthorizationDetails). Then what is refused,
// with the spec's error code: malformed, unknown or forbidden types, the host's validator, and
// every attempt to change the details after consent.
import { Body, Controller, Get, Param, Post, Query, Req, UseGuards } from '@nestjs/common';
import { decodeJwt } from 'jose';
import {
  AcceptAuthorizationDetails,
  AccessToken,
  AuthorizationDetails,
  AuthorizationService,
  OAUTH_PATHS,
  OAuthGuard,
  Scopes,
} from '../../src';
import type {
  AuthorizationDetail,
  AuthorizationDetailPicks,
  AuthorizationDetailType,
  InteractionDetails,
  OAuthModuleOptions,
  VerifiedAccessToken,
} from '../../src';
import {
  callbackParams,
  codeRequest,
  consentForm,
  decide,
  expectErrorPage,
  expectRedirectError,
  isConsentPage,
  openConsent,
  TestBrowser,
} from '../support/authorize-helpers';
import { introspect } from '../support/lifecycle-helpers';
import { TEST_TARGETS } from '../support/targets';
import { startTestApp, TestApp } from '../support/test-app';
import {
  basicHeaders,
  clientAuth,
  clientCredentials,
  expectTokenError,
  postForm,
  REDIRECT_URI,
  refresh,
  registerClient,
  registerCodeClient,
  registerServiceClient,
  TestClient,
  TokenCall,
} from '../support/token-helpers';

const PAYMENT = {
  type: 'payment_initiation',
  instructedAmount: { currency: 'EUR', amount: '123.50' },
  creditorName: 'Merchant A',
  creditorAccount: { iban: 'DE02100100109307118603' },
};
const ACCOUNTS = { type: 'account_information', accounts: ['acc-1'] };
const OWN_ACCOUNTS = ['acc-1', 'acc-2'];

const paymentType: AuthorizationDetailType = {
  validate: (detail) => {
    const amount = detail.instructedAmount as { amount?: unknown; currency?: unknown } | undefined;
    if (typeof amount?.amount !== 'string' || !/^\d+\.\d{2}$/.test(amount.amount))
      return 'instructedAmount.amount must be a decimal string like "10.00".';
    if (typeof detail.creditorName !== 'string') return 'creditorName is required.';
    return undefined;
  },
  describe: (detail) => {
    const amount = detail.instructedAmount as { amount: string; currency: string };
    const iban = (detail.creditorAccount as { iban: string }).iban;
    return `Pay ${amount.amount} ${amount.currency} to ${String(detail.creditorName)} (IBAN ${iban})`;
  },
};

const accountType: AuthorizationDetailType = {
  reusable: true,
  validate: (detail, { userId }) => {
    const accounts = detail.accounts;
    if (accounts !== undefined && (!Array.isArray(accounts) || accounts.length === 0))
      return 'accounts must be a non-empty list.';
    if (userId && (accounts as string[] | undefined)?.some((id) => !OWN_ACCOUNTS.includes(id)))
      return 'accounts may only name your own accounts.';
    return undefined;
  },
  describe: (detail) =>
    detail.accounts
      ? `Read accounts ${(detail.accounts as string[]).join(', ')}`
      : 'Read the accounts you choose',
  choices: () => OWN_ACCOUNTS.map((id) => ({ value: id, label: `Account ${id}` })),
  choose: (detail, values) => ({ ...detail, accounts: values }),
  narrows: (requested, granted) =>
    Array.isArray(requested.accounts) &&
    (requested.accounts as string[]).every((id) =>
      ((granted.accounts as string[] | undefined) ?? []).includes(id),
    ),
};

const INITIAL_ACCESS_TOKEN = 'an-initial-access-token-for-rar';
const OPTIONS: Partial<OAuthModuleOptions> = {
  authorizationDetailsTypes: { payment_initiation: paymentType, account_information: accountType },
  registration: { enabled: true, initialAccessToken: INITIAL_ACCESS_TOKEN },
};

type HostRequest = Parameters<AuthorizationService['getInteraction']>[1];

/** A host's own consent page (`interaction.consentUrl`), as JSON: the details and the picks. */
@Controller('consent')
class HostConsentController {
  constructor(private readonly authorization: AuthorizationService) {}

  @Get()
  show(@Req() request: HostRequest, @Query('interaction_id') id: string) {
    return this.authorization.getInteraction(id, request);
  }

  @Post(':id')
  async allow(
    @Req() request: HostRequest,
    @Param('id') id: string,
    @Body() body: { picks?: AuthorizationDetailPicks },
  ) {
    return { url: await this.authorization.approve(id, request, body.picks) };
  }
}

/** A host route: its token's details, and a payment route a detail lets in without the scope. */
@Controller('rar')
@UseGuards(OAuthGuard)
class DetailsController {
  @Get('details')
  @Scopes('accounts:read')
  @AcceptAuthorizationDetails('payment_initiation', 'account_information')
  details(
    @AuthorizationDetails() all: AuthorizationDetail[],
    @AuthorizationDetails('payment_initiation') payments: AuthorizationDetail[],
    @AccessToken() token: VerifiedAccessToken,
  ) {
    return { all, payments, fromToken: token.authorizationDetails ?? null };
  }
}

const json = (value: unknown) => JSON.stringify(value);

describe.each(TEST_TARGETS)('Rich Authorization Requests (%s)', (target) => {
  let server: TestApp;
  let web: TestClient;
  beforeAll(async () => {
    server = await startTestApp(target, OPTIONS, { controllers: [DetailsController] });
    web = await registerCodeClient(server);
  });
  afterAll(() => server.close());

  /** An authorization request with these details (and no scope unless given). */
  function detailsRequest(details: unknown, extra: Record<string, string | undefined> = {}) {
    return codeRequest({
      client: web,
      extra: { scope: undefined, authorization_details: json(details), ...extra },
    });
  }

  async function exchange(code: string, verifier: string, params: Record<string, string> = {}) {
    const auth = clientAuth(web);
    return postForm(
      server,
      {
        grant_type: 'authorization_code',
        code,
        code_verifier: verifier,
        redirect_uri: REDIRECT_URI,
        ...auth.params,
        ...params,
      },
      auth.headers,
    );
  }

  /** Consent, Allow, the code: for a request with these details. */
  async function approve(details: unknown, browser = new TestBrowser(server, 'user-alice')) {
    const { params, verifier } = detailsRequest(details);
    const { page, form } = await openConsent(browser, params);
    const callback = callbackParams(await decide(browser, form, 'allow'));
    return { code: callback.get('code')!, verifier: verifier!, consent: page };
  }

  function resource(token: string) {
    return fetch(`${server.url}/rar/details`, { headers: { authorization: `Bearer ${token}` } });
  }

  it('advertises the declared types in both metadata documents (RFC 9396 §10)', async () => {
    for (const path of [OAUTH_PATHS.serverMetadata, OAUTH_PATHS.openidConfiguration]) {
      const metadata = await (await fetch(`${server.url}${path}`)).json();
      expect(metadata.authorization_details_types_supported).toEqual([
        'payment_initiation',
        'account_information',
      ]);
    }
  });

  describe('a payment approved on the consent page', () => {
    let tokens: TokenCall;
    let consentText: string;
    beforeAll(async () => {
      const { code, verifier, consent } = await approve([PAYMENT]);
      consentText = consent.text;
      tokens = await exchange(code, verifier);
    });

    it("is shown in the host's words", () => {
      expect(consentText).toContain('Pay 123.50 EUR to Merchant A (IBAN DE02100100109307118603)');
    });

    it('comes back in the token response, exactly as approved (RFC 9396 §7)', () => {
      expect(tokens.status).toBe(200);
      expect(tokens.body.authorization_details).toEqual([PAYMENT]);
      expect(tokens.body.scope).toBe('');
    });

    it("is the JWT access token's authorization_details claim (RFC 9396 §9.1)", () => {
      expect(decodeJwt(tokens.body.access_token).authorization_details).toEqual([PAYMENT]);
    });

    it('is in introspection of the access token (RFC 9396 §9.2)', async () => {
      const access = await introspect(server, web, tokens.body.access_token);
      expect(access.body).toMatchObject({ active: true, authorization_details: [PAYMENT] });
    });

    it('goes to this access token only: the refresh token cannot mint it again', async () => {
      expect(tokens.body.refresh_token).toBeTruthy();
      const refreshToken = await introspect(server, web, tokens.body.refresh_token);
      expect(refreshToken.body.active).toBe(true);
      expect(refreshToken.body).not.toHaveProperty('authorization_details');
      const refreshed = await refresh(server, web, tokens.body.refresh_token);
      expect(refreshed.status).toBe(200);
      expect(refreshed.body).not.toHaveProperty('authorization_details');
      expect(decodeJwt(refreshed.body.access_token)).not.toHaveProperty('authorization_details');
      expectTokenError(
        await refresh(server, web, refreshed.body.refresh_token, {
          authorization_details: json([PAYMENT]),
        }),
        'invalid_authorization_details',
      );
    });

    it("reaches the host's route: @AuthorizationDetails and VerifiedAccessToken", async () => {
      const response = await resource(tokens.body.access_token);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({
        all: [PAYMENT],
        payments: [PAYMENT],
        fromToken: [PAYMENT],
      });
    });

    it('is never remembered: the same payment asked again shows the consent page again', async () => {
      const browser = new TestBrowser(server, 'user-alice');
      const page = await browser.authorize(detailsRequest([PAYMENT]).params);
      expect(isConsentPage(page)).toBe(true);
    });
  });

  it('Deny sends access_denied to the client, and no code', async () => {
    const browser = new TestBrowser(server, 'user-alice');
    const { form } = await openConsent(browser, detailsRequest([PAYMENT]).params);
    expectRedirectError(await decide(browser, form, 'deny'), server, 'access_denied');
  });

  it('a token without the scope or an accepted detail is refused by the route (403)', async () => {
    const other = await registerServiceClient(server);
    const call = await clientCredentials(server, other, { scope: 'payments:write' });
    expectTokenError(call, 'invalid_scope');
    const plain = await clientCredentials(server, other, { scope: 'accounts:read' });
    expect((await resource(plain.body.access_token)).status).toBe(200);
  });

  describe('account access with choices (reusable)', () => {
    it('offers the choices, grants what the user picked, then remembers it', async () => {
      const bob = new TestBrowser(server, 'user-bob');
      const { params, verifier } = detailsRequest([{ type: 'account_information' }]);
      const { page, form } = await openConsent(bob, params);
      expect(page.text).toContain('Read the accounts you choose');
      expect(page.text).toContain('name="authorization_detail_0_0" value="acc-1"');
      expect(page.text).toContain('name="authorization_detail_0_1" value="acc-2"');
      const done = await bob.post(form.action, {
        csrf_token: form.csrfToken,
        decision: 'allow',
        authorization_detail_0_1: 'acc-2',
      });
      const tokens = await exchange(callbackParams(done).get('code')!, verifier!);
      expect(tokens.body.authorization_details).toEqual([
        { type: 'account_information', accounts: ['acc-2'] },
      ]);
      // Reusable: the same (or a narrower) detail asked again needs no consent.
      const again = detailsRequest([{ type: 'account_information', accounts: ['acc-2'] }]);
      const next = await bob.authorize(again.params);
      expect(callbackParams(next).get('code')).toBeTruthy();
      // Another account was not granted: consent again.
      const wider = detailsRequest([{ type: 'account_information', accounts: ['acc-1'] }]);
      expect(isConsentPage(await bob.authorize(wider.params))).toBe(true);
    });

    it.each([
      ['no pick', {}],
      ['a value that was not offered', { authorization_detail_0_0: 'acc-9' }],
    ])('refuses %s with the error page, and issues nothing', async (_name, picks) => {
      const browser = new TestBrowser(server, 'user-alice');
      const { form } = await openConsent(
        browser,
        detailsRequest([{ type: 'account_information' }]).params,
      );
      const page = await browser.post(form.action, {
        csrf_token: form.csrfToken,
        decision: 'allow',
        ...picks,
      });
      expectErrorPage(page);
    });
  });

  describe('refused at the authorization endpoint with invalid_authorization_details', () => {
    it.each([
      ['not JSON', '{not json'],
      ['not an array', json(PAYMENT)],
      ['an empty array', '[]'],
      ['an element that is not an object', json(['payment_initiation'])],
      ['an element without type', json([{ creditorName: 'x' }])],
      ['an unknown type', json([{ type: 'crypto_transfer' }])],
      ['a common member of the wrong shape', json([{ ...PAYMENT, actions: 'pay' }])],
      [
        'what the host validator refuses',
        json([{ ...PAYMENT, instructedAmount: { amount: '1' } }]),
      ],
      ['too many elements', json(Array.from({ length: 21 }, () => PAYMENT))],
      ['a control character', json([{ ...PAYMENT, creditorName: 'A\u0000' }])],
    ])('%s', async (_name, value) => {
      const browser = new TestBrowser(server, 'user-alice');
      const { params } = codeRequest({ client: web, extra: { authorization_details: value } });
      const page = await browser.authorize(params);
      const error = expectRedirectError(page, server, 'invalid_authorization_details');
      expect(error.get('error_description')).toBeTruthy();
    });

    it("names the host validator's sentence", async () => {
      const browser = new TestBrowser(server, 'user-alice');
      const bad = [{ ...PAYMENT, instructedAmount: { amount: '1', currency: 'EUR' } }];
      const page = await browser.authorize(detailsRequest(bad).params);
      const error = expectRedirectError(page, server, 'invalid_authorization_details');
      expect(error.get('error_description')).toContain('instructedAmount.amount must be');
    });

    it('a type the client is not registered for (authorization_details_types)', async () => {
      const limited = await registerCodeClient(server, {
        authorizationDetailsTypes: ['account_information'],
      });
      const browser = new TestBrowser(server, 'user-alice');
      const { params } = codeRequest({
        client: limited,
        extra: { authorization_details: json([PAYMENT]) },
      });
      const error = expectRedirectError(
        await browser.authorize(params),
        server,
        'invalid_authorization_details',
      );
      expect(error.get('error_description')).toContain('this client may not request');
    });
  });

  describe('cannot be changed after consent', () => {
    it('a code exchange asking for other details fails and burns the code', async () => {
      const { code, verifier } = await approve([PAYMENT]);
      const wider = [{ ...PAYMENT, instructedAmount: { currency: 'EUR', amount: '999.00' } }];
      expectTokenError(
        await exchange(code, verifier, { authorization_details: json(wider) }),
        'invalid_authorization_details',
      );
      expectTokenError(await exchange(code, verifier), 'invalid_grant');
    });

    it('a code exchange naming the same details gets them', async () => {
      const { code, verifier } = await approve([PAYMENT]);
      const call = await exchange(code, verifier, { authorization_details: json([PAYMENT]) });
      expect(call.body.authorization_details).toEqual([PAYMENT]);
    });

    it("a PAR request_uri's details are not overridden by query parameters", async () => {
      const { params, verifier } = detailsRequest([PAYMENT]);
      const { client_id: _id, ...pushedParams } = params;
      const pushed = await postForm(
        server,
        pushedParams as Record<string, string>,
        basicHeaders(web),
        OAUTH_PATHS.par,
      );
      expect(pushed.status).toBe(201);
      const browser = new TestBrowser(server, 'user-alice');
      const tampered = [{ ...PAYMENT, creditorName: 'Mallory' }];
      const { page, form } = await openConsent(browser, {
        client_id: web.clientId,
        request_uri: pushed.body.request_uri,
        authorization_details: json(tampered),
      });
      expect(page.text).toContain('to Merchant A');
      expect(page.text).not.toContain('Mallory');
      const code = callbackParams(await decide(browser, form, 'allow')).get('code')!;
      expect((await exchange(code, verifier!)).body.authorization_details).toEqual([PAYMENT]);
    });

    it('the consent form cannot add choices to a detail without them', async () => {
      const browser = new TestBrowser(server, 'user-alice');
      const { params, verifier } = detailsRequest([PAYMENT]);
      const { form } = await openConsent(browser, params);
      const done = await browser.post(form.action, {
        csrf_token: form.csrfToken,
        decision: 'allow',
        authorization_detail_0_0: 'acc-1',
      });
      const tokens = await exchange(callbackParams(done).get('code')!, verifier!);
      expect(tokens.body.authorization_details).toEqual([PAYMENT]);
    });
  });

  it('PAR refuses bad details as JSON: 400 invalid_authorization_details', async () => {
    const { params } = detailsRequest([{ type: 'nope' }]);
    const { client_id: _id, ...pushedParams } = params;
    expectTokenError(
      await postForm(
        server,
        pushedParams as Record<string, string>,
        basicHeaders(web),
        OAUTH_PATHS.par,
      ),
      'invalid_authorization_details',
    );
  });

  describe('at the token endpoint', () => {
    it('client_credentials gets the details it asks for, validated, without scope', async () => {
      const service = await registerServiceClient(server);
      const details = [{ type: 'account_information', accounts: ['acc-9'] }];
      const call = await clientCredentials(server, service, {
        authorization_details: json(details),
      });
      expect(call.status).toBe(200);
      expect(call.body).toMatchObject({ scope: '', authorization_details: details });
      expect(decodeJwt(call.body.access_token).authorization_details).toEqual(details);
      expectTokenError(
        await clientCredentials(server, service, {
          authorization_details: json([{ type: 'account_information', accounts: [] }]),
        }),
        'invalid_authorization_details',
      );
    });

    it.each([
      ['not JSON', '[{'],
      ['a string', '"payment_initiation"'],
      [
        'deeply nested',
        `[{"type":"account_information","x":${'['.repeat(3000)}${']'.repeat(3000)}}]`,
      ],
      ['a prototype key as type', json([{ type: 'constructor' }])],
    ])('refuses %s with 400 invalid_authorization_details, never a 500', async (_name, value) => {
      const service = await registerServiceClient(server);
      expectTokenError(
        await clientCredentials(server, service, { authorization_details: value }),
        'invalid_authorization_details',
      );
    });

    it('a refresh may narrow the details, never widen them; the refresh token keeps all', async () => {
      const offline = await registerClient(server, {
        name: 'Offline app',
        grantTypes: ['authorization_code', 'refresh_token'],
        redirectUris: [REDIRECT_URI],
        scopes: ['accounts:read'],
      });
      const browser = new TestBrowser(server, 'user-alice');
      const { params, verifier } = codeRequest({
        client: offline,
        extra: {
          scope: 'accounts:read',
          authorization_details: json([{ type: 'account_information', accounts: OWN_ACCOUNTS }]),
        },
      });
      const { form } = await openConsent(browser, params);
      const done = await browser.post(form.action, {
        csrf_token: form.csrfToken,
        decision: 'allow',
        authorization_detail_0_0: 'acc-1',
        authorization_detail_0_1: 'acc-2',
      });
      const auth = clientAuth(offline);
      const first = await postForm(
        server,
        {
          grant_type: 'authorization_code',
          code: callbackParams(done).get('code')!,
          code_verifier: verifier!,
          redirect_uri: REDIRECT_URI,
          ...auth.params,
        },
        auth.headers,
      );
      expect(first.body.refresh_token).toBeTruthy();
      const narrowed = await refresh(server, offline, first.body.refresh_token, {
        authorization_details: json([ACCOUNTS]),
      });
      expect(narrowed.status).toBe(200);
      expect(narrowed.body.authorization_details).toEqual([ACCOUNTS]);
      // The next refresh, without the parameter, has the whole grant again.
      const whole = await refresh(server, offline, narrowed.body.refresh_token);
      expect(whole.body.authorization_details).toEqual([
        { type: 'account_information', accounts: OWN_ACCOUNTS },
      ]);
      const wider = await refresh(server, offline, whole.body.refresh_token, {
        authorization_details: json([{ type: 'account_information', accounts: ['acc-3'] }]),
      });
      expectTokenError(wider, 'invalid_authorization_details');
      const payment = await refresh(server, offline, whole.body.refresh_token, {
        authorization_details: json([PAYMENT]),
      });
      expectTokenError(payment, 'invalid_authorization_details');
    });
  });

  describe('client registration metadata authorization_details_types (RFC 9396 §10)', () => {
    it('Dynamic Client Registration stores, returns and checks it', async () => {
      const register = (metadata: object) =>
        fetch(`${server.url}${OAUTH_PATHS.registration}`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${INITIAL_ACCESS_TOKEN}`,
            'content-type': 'application/json',
          },
          body: json({
            client_name: 'Merchant',
            redirect_uris: [REDIRECT_URI],
            ...metadata,
          }),
        });
      const created = await register({ authorization_details_types: ['payment_initiation'] });
      expect(created.status).toBe(201);
      expect(await created.json()).toMatchObject({
        authorization_details_types: ['payment_initiation'],
      });
      for (const types of [['nope'], 'payment_initiation', [1]]) {
        const refused = await register({ authorization_details_types: types });
        expect(refused.status).toBe(400);
        expect((await refused.json()).error).toBe('invalid_client_metadata');
      }
    });

    it('is stored and validated against the declared types', async () => {
      const limited = await registerClient(server, {
        name: 'Limited',
        grantTypes: ['client_credentials'],
        scopes: ['accounts:read'],
        authorizationDetailsTypes: ['account_information'],
      });
      const refused = await clientCredentials(server, limited, {
        authorization_details: json([PAYMENT]),
      });
      expectTokenError(refused, 'invalid_authorization_details');
      await expect(
        registerClient(server, {
          name: 'Bad',
          grantTypes: ['client_credentials'],
          authorizationDetailsTypes: ['nope'],
        }),
      ).rejects.toThrow(/authorization_details_types/);
    });
  });
});

describe.each(TEST_TARGETS)(
  'Rich Authorization Requests when no type is declared (%s)',
  (target) => {
    let server: TestApp;
    let web: TestClient;
    beforeAll(async () => {
      server = await startTestApp(target);
      web = await registerCodeClient(server);
    });
    afterAll(() => server.close());

    it('advertises no types and refuses authorization_details', async () => {
      const metadata = await (await fetch(`${server.url}${OAUTH_PATHS.serverMetadata}`)).json();
      expect(metadata).not.toHaveProperty('authorization_details_types_supported');
      const browser = new TestBrowser(server, 'user-alice');
      const { params } = codeRequest({
        client: web,
        extra: { authorization_details: json([PAYMENT]) },
      });
      expectRedirectError(await browser.authorize(params), server, 'invalid_authorization_details');
      const page = await browser.authorize(codeRequest({ client: web }).params);
      expect(consentForm(page).action).toBeTruthy();
    });
  },
);

describe.each(TEST_TARGETS)('Rich Authorization Requests on a host consent page (%s)', (target) => {
  let server: TestApp;
  let web: TestClient;
  beforeAll(async () => {
    server = await startTestApp(
      target,
      { ...OPTIONS, interaction: { loginUrl: '/login', consentUrl: '/consent' } },
      { controllers: [HostConsentController] },
    );
    web = await registerCodeClient(server);
  });
  afterAll(() => server.close());

  it('getInteraction describes each detail with its choices; approve takes the picks', async () => {
    const browser = new TestBrowser(server, 'user-alice');
    const { params, verifier } = codeRequest({
      client: web,
      extra: {
        scope: 'accounts:read',
        authorization_details: json([PAYMENT, { type: 'account_information' }]),
      },
    });
    const page = await browser.authorize(params);
    const id = new URL(page.location!).searchParams.get('interaction_id')!;
    const details = JSON.parse((await browser.get(`/consent?interaction_id=${id}`)).text);
    expect((details as InteractionDetails).authorizationDetails).toEqual([
      {
        type: 'payment_initiation',
        description: 'Pay 123.50 EUR to Merchant A (IBAN DE02100100109307118603)',
        detail: PAYMENT,
      },
      {
        type: 'account_information',
        description: 'Read the accounts you choose',
        detail: { type: 'account_information' },
        choices: [
          { value: 'acc-1', label: 'Account acc-1' },
          { value: 'acc-2', label: 'Account acc-2' },
        ],
      },
    ]);
    const decided = await fetch(`${server.url}/consent/${id}`, {
      method: 'POST',
      headers: { ...browser.headers(), 'content-type': 'application/json' },
      body: json({ picks: { 1: ['acc-1', 'acc-2'] } }),
    });
    const url = new URL(((await decided.json()) as { url: string }).url);
    const auth = clientAuth(web);
    const tokens = await postForm(
      server,
      {
        grant_type: 'authorization_code',
        code: url.searchParams.get('code')!,
        code_verifier: verifier!,
        redirect_uri: REDIRECT_URI,
        ...auth.params,
      },
      auth.headers,
    );
    expect(tokens.body).toMatchObject({
      scope: 'accounts:read',
      authorization_details: [PAYMENT, { type: 'account_information', accounts: OWN_ACCOUNTS }],
    });
  });
});

describe.each(TEST_TARGETS)(
  'Rich Authorization Requests with opaque access tokens (%s)',
  (target) => {
    let server: TestApp;
    beforeAll(async () => {
      server = await startTestApp(
        target,
        { ...OPTIONS, accessTokenFormat: 'opaque' },
        {
          controllers: [DetailsController],
        },
      );
    });
    afterAll(() => server.close());

    it('keeps the details in the row: the route and introspection see them', async () => {
      const service = await registerServiceClient(server);
      const details = [{ type: 'account_information', accounts: ['acc-2'] }];
      const call = await clientCredentials(server, service, {
        authorization_details: json(details),
      });
      expect(call.body.authorization_details).toEqual(details);
      const route = await fetch(`${server.url}/rar/details`, {
        headers: { authorization: `Bearer ${call.body.access_token}` },
      });
      expect(await route.json()).toEqual({ all: details, payments: [], fromToken: details });
      const introspection = await introspect(server, service, call.body.access_token);
      expect(introspection.body.authorization_details).toEqual(details);
    });
  },
);
