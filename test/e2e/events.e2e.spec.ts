// Audit events on SQLite and PostgreSQL: one test per event type, driven through the real
// endpoints (token, revocation, authorization with the default consent page), checking the
// event's content, that no event ever carries a secret, token or code, and that a throwing
// listener does not break the request.
import { decodeJwt } from 'jose';
import { config as rxjsConfig, filter } from 'rxjs';
import { ClientService, OAuthEvents, TokenRevocationService } from '../../src';
import type { OAuthEvent } from '../../src';
import { TEST_TARGETS } from '../support/targets';
import {
  collectEvents,
  decideConsent,
  EventLog,
  introspect,
  openConsentPage,
  revoke,
  serviceToken,
} from '../support/lifecycle-helpers';
import { startTestApp, TestApp } from '../support/test-app';
import {
  basicAuth,
  clientCredentials,
  postForm,
  refresh,
  REDIRECT_URI,
  registerCodeClient,
  registerServiceClient,
  seedCode,
  seedCodeAndExchange,
  TestClient,
} from '../support/token-helpers';
import { OAUTH_PATHS } from '../../src';

describe.each(TEST_TARGETS)('audit events (%s)', (target) => {
  let server: TestApp;
  let log: EventLog;
  /** Every event of the suite, never cleared. */
  let everything: EventLog;
  /** Every secret, token, code and cookie value a test handled: no event may contain one. */
  const secrets = new Set<string>();

  beforeAll(async () => {
    server = await startTestApp(target);
    log = collectEvents(server);
    everything = collectEvents(server);
  });
  afterAll(async () => {
    log?.stop();
    everything?.stop();
    await server?.close();
  });
  beforeEach(() => log.clear());
  afterEach(() => expectNoSecretIn(everything.events));

  function expectNoSecretIn(events: OAuthEvent[]): void {
    const serialized = events.map((event) => JSON.stringify(event));
    for (const secret of secrets) {
      for (const text of serialized) {
        if (text.includes(secret)) throw new Error(`an event contains a secret value: ${text}`);
      }
    }
  }

  /** Remembers a client's secret (and the Basic header made of it) as values no event may contain. */
  function remember(...values: (string | undefined)[]): void {
    for (const value of values) if (value) secrets.add(value);
  }

  async function codeClient(registration = {}): Promise<TestClient> {
    const client = await registerCodeClient(server, registration);
    remember(client.clientSecret);
    return client;
  }

  async function serviceClient(): Promise<TestClient> {
    const client = await registerServiceClient(server);
    remember(
      client.clientSecret,
      basicAuth(client.clientId, client.clientSecret!).slice('Basic '.length),
    );
    return client;
  }

  async function userTokens(client: TestClient, subject = 'user-alice'): Promise<any> {
    const issued = await seedCodeAndExchange(server, client, { subject });
    remember(issued.access_token, issued.refresh_token, issued.id_token);
    return issued;
  }

  it('token.issued for client_credentials', async () => {
    const client = await serviceClient();
    const call = await clientCredentials(server, client, { scope: 'accounts:read' });
    expect(call.status).toBe(200);
    remember(call.body.access_token);
    const { jti } = decodeJwt(call.body.access_token);
    expect(log.events).toEqual([
      {
        type: 'token.issued',
        clientId: client.clientId,
        subject: null,
        grantType: 'client_credentials',
        scopes: ['accounts:read'],
        tokenId: jti,
        familyId: jti,
      },
    ]);
  });

  it('token.issued for an authorization code exchange, with the user', async () => {
    const client = await codeClient();
    const issued = await userTokens(client, 'user-bob');
    const { jti } = decodeJwt(issued.access_token);
    expect(log.ofType('token.issued')).toEqual([
      {
        type: 'token.issued',
        clientId: client.clientId,
        subject: 'user-bob',
        grantType: 'authorization_code',
        scopes: ['accounts:read', 'payments:write'],
        tokenId: jti,
        familyId: jti,
      },
    ]);
  });

  it('token.refreshed when a refresh token is rotated', async () => {
    const client = await codeClient();
    const issued = await userTokens(client);
    log.clear();
    const rotated = await refresh(server, client, issued.refresh_token);
    expect(rotated.status).toBe(200);
    remember(rotated.body.access_token, rotated.body.refresh_token);
    expect(log.events).toEqual([
      {
        type: 'token.refreshed',
        clientId: client.clientId,
        subject: 'user-alice',
        tokenId: decodeJwt(rotated.body.access_token).jti,
        familyId: decodeJwt(issued.access_token).jti,
        refreshCount: 1,
      },
    ]);
  });

  it('token.revoked from the revocation endpoint, for an access token and for a refresh token family', async () => {
    const client = await codeClient();
    const first = await userTokens(client);
    const second = await userTokens(client);
    const rotated = await refresh(server, client, second.refresh_token);
    remember(rotated.body.access_token, rotated.body.refresh_token);
    log.clear();

    expect((await revoke(server, client, { token: first.access_token })).status).toBe(200);
    expect(log.events).toEqual([
      {
        type: 'token.revoked',
        clientId: client.clientId,
        subject: 'user-alice',
        tokenId: decodeJwt(first.access_token).jti,
        reason: 'revocation_endpoint',
        count: 1,
      },
    ]);

    log.clear();
    expect((await revoke(server, client, { token: rotated.body.refresh_token })).status).toBe(200);
    expect(log.events).toEqual([
      {
        type: 'token.revoked',
        clientId: client.clientId,
        subject: 'user-alice',
        familyId: decodeJwt(second.access_token).jti,
        reason: 'revocation_endpoint',
        count: 2,
      },
    ]);

    // Nothing happens (and nothing is reported) for tokens that are not the caller's or unknown.
    log.clear();
    const other = await codeClient();
    const third = await userTokens(client);
    log.clear();
    expect((await revoke(server, other, { token: third.access_token })).status).toBe(200);
    expect((await revoke(server, client, { token: 'unknown-token' })).status).toBe(200);
    expect(log.ofType('token.revoked')).toEqual([]);
  });

  it('refresh_token.reuse_detected and token.revoked (refresh_token_reuse) when a rotated refresh token is replayed', async () => {
    const client = await codeClient();
    const issued = await userTokens(client);
    const rotated = await refresh(server, client, issued.refresh_token);
    remember(rotated.body.access_token, rotated.body.refresh_token);
    // The successor is used, so a replay of the first token is no retry (refreshTokenReuseInterval).
    const again = await refresh(server, client, rotated.body.refresh_token);
    remember(again.body.access_token, again.body.refresh_token);
    log.clear();

    const replay = await refresh(server, client, issued.refresh_token);
    expect(replay.body.error).toBe('invalid_grant');
    const familyId = decodeJwt(issued.access_token).jti;
    expect(log.events).toEqual([
      {
        type: 'refresh_token.reuse_detected',
        clientId: client.clientId,
        subject: 'user-alice',
        familyId,
      },
      {
        type: 'token.revoked',
        clientId: client.clientId,
        subject: 'user-alice',
        familyId,
        reason: 'refresh_token_reuse',
        count: 3,
      },
    ]);
  });

  it('refresh_token.retried, token.refreshed and token.revoked (refresh_token_retry) when a rotated refresh token is retried within the window', async () => {
    const client = await codeClient();
    const issued = await userTokens(client);
    const lost = await refresh(server, client, issued.refresh_token);
    remember(lost.body.access_token, lost.body.refresh_token);
    log.clear();

    const retry = await refresh(server, client, issued.refresh_token);
    expect(retry.status).toBe(200);
    remember(retry.body.access_token, retry.body.refresh_token);
    const familyId = decodeJwt(issued.access_token).jti;
    const tokenId = decodeJwt(retry.body.access_token).jti;
    const supersededTokenId = decodeJwt(lost.body.access_token).jti;
    expect(log.events).toEqual([
      {
        type: 'token.refreshed',
        clientId: client.clientId,
        subject: 'user-alice',
        tokenId,
        familyId,
        refreshCount: 2,
      },
      {
        type: 'refresh_token.retried',
        clientId: client.clientId,
        subject: 'user-alice',
        familyId,
        tokenId,
        supersededTokenId,
      },
      {
        type: 'token.revoked',
        clientId: client.clientId,
        subject: 'user-alice',
        tokenId: supersededTokenId,
        reason: 'refresh_token_retry',
        count: 1,
      },
    ]);
  });

  it('authorization_code.replayed and token.revoked (authorization_code_replay) when a code is used twice', async () => {
    const client = await codeClient();
    const seeded = await seedCode(server, client);
    remember(seeded.code, seeded.verifier);
    const exchange = () =>
      postForm(
        server,
        {
          grant_type: 'authorization_code',
          code: seeded.code,
          code_verifier: seeded.verifier,
          redirect_uri: REDIRECT_URI,
        },
        { authorization: basicAuth(client.clientId, client.clientSecret!) },
      );
    const first = await exchange();
    expect(first.status).toBe(200);
    remember(first.body.access_token, first.body.refresh_token);
    log.clear();

    const second = await exchange();
    expect(second.body.error).toBe('invalid_grant');
    expect(log.events).toEqual([
      {
        type: 'authorization_code.replayed',
        clientId: client.clientId,
        subject: 'user-alice',
        codeId: expect.any(String),
      },
      {
        type: 'token.revoked',
        clientId: client.clientId,
        subject: 'user-alice',
        reason: 'authorization_code_replay',
        count: 1,
      },
    ]);
    expect(log.ofType('authorization_code.replayed')[0].codeId).not.toBe(seeded.code);
    expect((await introspect(server, client, first.body.access_token)).body).toEqual({
      active: false,
    });
  });

  it('client.authentication_failed with the client id and the endpoint, never the secret', async () => {
    const client = await serviceClient();
    const wrongSecret = 'wrong-secret-that-must-not-be-logged';
    remember(wrongSecret, basicAuth(client.clientId, wrongSecret).slice('Basic '.length));

    const token = await postForm(
      server,
      { grant_type: 'client_credentials' },
      { authorization: basicAuth(client.clientId, wrongSecret) },
    );
    expect(token.status).toBe(401);
    expect(log.events).toEqual([
      {
        type: 'client.authentication_failed',
        clientId: client.clientId,
        method: 'client_secret_basic',
        endpoint: 'token',
      },
    ]);

    log.clear();
    const posted = await postForm(server, {
      grant_type: 'client_credentials',
      client_id: client.clientId,
      client_secret: wrongSecret,
    });
    expect(posted.status).toBe(401);
    const revocation = await postForm(
      server,
      { token: 'x' },
      { authorization: basicAuth(client.clientId, wrongSecret) },
      OAUTH_PATHS.revocation,
    );
    expect(revocation.status).toBe(401);
    const introspection = await postForm(
      server,
      { token: 'x' },
      { authorization: basicAuth(client.clientId, wrongSecret) },
      OAUTH_PATHS.introspection,
    );
    expect(introspection.status).toBe(401);
    expect(log.events).toEqual([
      {
        type: 'client.authentication_failed',
        clientId: client.clientId,
        method: 'client_secret_post',
        endpoint: 'token',
      },
      {
        type: 'client.authentication_failed',
        clientId: client.clientId,
        method: 'client_secret_basic',
        endpoint: 'revocation',
      },
      {
        type: 'client.authentication_failed',
        clientId: client.clientId,
        method: 'client_secret_basic',
        endpoint: 'introspection',
      },
    ]);
  });

  it('consent.granted when the user allows on the consent page', async () => {
    const client = await codeClient();
    const page = await openConsentPage(server, client, { scope: 'accounts:read payments:write' });
    remember(page.csrfToken, page.binding, page.verifier);
    const redirect = await decideConsent(server, page, 'allow');
    const code = redirect.searchParams.get('code');
    expect(code).toEqual(expect.any(String));
    remember(code!);
    expect(log.events).toEqual([
      {
        type: 'consent.granted',
        clientId: client.clientId,
        subject: 'user-alice',
        scopes: ['accounts:read', 'payments:write'],
      },
    ]);
  });

  it('consent.denied when the user denies on the consent page', async () => {
    const client = await codeClient();
    const page = await openConsentPage(server, client, { user: 'user-bob' });
    remember(page.csrfToken, page.binding, page.verifier);
    const redirect = await decideConsent(server, page, 'deny', 'user-bob');
    expect(redirect.searchParams.get('error')).toBe('access_denied');
    expect(redirect.searchParams.get('code')).toBeNull();
    expect(log.events).toEqual([
      {
        type: 'consent.denied',
        clientId: client.clientId,
        subject: 'user-bob',
        scopes: ['accounts:read'],
      },
    ]);
  });

  it('token.revoked for the host revocation API and client deletion, with their reasons', async () => {
    const client = await codeClient();
    await userTokens(client, 'user-alice');
    await userTokens(client, 'user-bob');
    log.clear();
    const revocation = server.app.get(TokenRevocationService);
    await revocation.revokeUserAtClient('user-alice', client.clientId);
    await revocation.revokeAllForUser('user-bob');
    await revocation.revokeAllForClient(client.clientId);
    await server.app.get(ClientService).delete(client.clientId);
    expect(log.events).toEqual([
      {
        type: 'token.revoked',
        subject: 'user-alice',
        clientId: client.clientId,
        reason: 'user_at_client',
        count: 1,
      },
      { type: 'token.revoked', subject: 'user-bob', reason: 'user', count: expect.any(Number) },
      { type: 'token.revoked', clientId: client.clientId, reason: 'client', count: 0 },
      { type: 'token.revoked', clientId: client.clientId, reason: 'client_deleted', count: 0 },
    ]);
    expect((log.events[1] as { count: number }).count).toBeGreaterThanOrEqual(1);
  });

  it('delivers events to on() listeners of that type only, and stops after unsubscribing', async () => {
    const events = server.app.get(OAuthEvents);
    const issued: OAuthEvent[] = [];
    const stop = events.on('token.issued', (event) => issued.push(event));
    const client = await serviceClient();
    remember(await serviceToken(server, client));
    await postForm(
      server,
      { grant_type: 'client_credentials' },
      { authorization: basicAuth(client.clientId, 'nope') },
    );
    expect(issued.map((event) => event.type)).toEqual(['token.issued']);
    stop();
    remember(await serviceToken(server, client));
    expect(issued).toHaveLength(1);
  });

  it('a listener registered with on() that throws does not break the request, nor other listeners', async () => {
    const events = server.app.get(OAuthEvents);
    const seen: string[] = [];
    const stopThrowing = events.on('token.issued', () => {
      throw new Error('listener failure');
    });
    const stopRevokedThrowing = events.on('token.revoked', () => {
      throw new Error('listener failure');
    });
    const stopCounting = events.on('token.issued', (event) => seen.push(event.tokenId));
    // An error escaping a listener would reach RxJS's unhandled-error path: rethrown from a timer,
    // which crashes a Node process. on() must contain it.
    const escaped: unknown[] = [];
    const previousHandler = rxjsConfig.onUnhandledError;
    rxjsConfig.onUnhandledError = (error) => escaped.push(error);
    try {
      const client = await serviceClient();
      const call = await clientCredentials(server, client, { scope: 'accounts:read' });
      expect(call.status).toBe(200);
      remember(call.body.access_token);
      expect(seen).toEqual([decodeJwt(call.body.access_token).jti]);
      expect((await revoke(server, client, { token: call.body.access_token })).status).toBe(200);
      expect((await introspect(server, client, call.body.access_token)).body).toEqual({
        active: false,
      });
      // The app keeps answering and keeps publishing.
      remember(await serviceToken(server, client));
      expect(seen).toHaveLength(2);
      expect(log.ofType('token.issued')).toHaveLength(2);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(escaped).toEqual([]);
    } finally {
      rxjsConfig.onUnhandledError = previousHandler;
      stopThrowing();
      stopRevokedThrowing();
      stopCounting();
    }
  });

  it('an events$ subscriber that throws, directly or at the end of a pipe, does not break the request, nor other subscribers', async () => {
    const events = server.app.get(OAuthEvents);
    const seen: string[] = [];
    const throwing = events.events$.subscribe(() => {
      throw new Error('subscriber failure');
    });
    const throwingPiped = events.events$
      .pipe(filter((event) => event.type === 'token.issued'))
      .subscribe({
        next: () => {
          throw new Error('piped subscriber failure');
        },
      });
    const counting = events.events$
      .pipe(filter((event) => event.type === 'token.issued'))
      .subscribe((event) => seen.push((event as { tokenId: string }).tokenId));
    const escaped: unknown[] = [];
    const previousHandler = rxjsConfig.onUnhandledError;
    rxjsConfig.onUnhandledError = (error) => escaped.push(error);
    try {
      const client = await serviceClient();
      const call = await clientCredentials(server, client, { scope: 'accounts:read' });
      expect(call.status).toBe(200);
      remember(call.body.access_token);
      expect(seen).toEqual([decodeJwt(call.body.access_token).jti]);
      remember(await serviceToken(server, client));
      // Still subscribed: a throw neither ends the subscription nor the stream.
      expect(seen).toHaveLength(2);
      expect(throwing.closed).toBe(false);
      expect(throwingPiped.closed).toBe(false);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(escaped).toEqual([]);
    } finally {
      rxjsConfig.onUnhandledError = previousHandler;
      throwing.unsubscribe();
      throwingPiped.unsubscribe();
      counting.unsubscribe();
    }
  });

  it('no event of this suite contained a secret, token, code or cookie value', () => {
    // afterEach checks after every test; this makes sure there was something to check.
    expect(secrets.size).toBeGreaterThan(20);
    expect(new Set(everything.events.map((event) => event.type))).toEqual(
      new Set([
        'token.issued',
        'token.refreshed',
        'token.revoked',
        'refresh_token.reuse_detected',
        'refresh_token.retried',
        'authorization_code.replayed',
        'client.authentication_failed',
        'consent.granted',
        'consent.denied',
      ]),
    );
    expectNoSecretIn(everything.events);
  });
});
