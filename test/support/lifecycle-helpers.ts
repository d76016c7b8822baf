// Helpers for the revocation, introspection, lifecycle and events e2e suites: a protected host
// route, calls to the revocation and introspection endpoints, rows seeded with chosen
// timestamps, row counts, the browser consent flow and an event collector.
import { Controller, Get, UseGuards } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { EntityTarget, ObjectLiteral } from 'typeorm';
import { AccessToken, OAuthEvents, OAuthGuard, OAUTH_PATHS, Scopes } from '../../src';
import { OAuthAuthorizationCode, OAuthInteraction, OAuthToken } from './entities';
import type { OAuthEvent, VerifiedAccessToken } from '../../src';
import type { TestApp } from './test-app';
import {
  clientAuth,
  clientCredentials,
  dataSourceOf,
  pkcePair,
  postForm,
  REDIRECT_URI,
  sha256,
  TestClient,
  TokenCall,
} from './token-helpers';

// ---------------------------------------------------------------------------------------------
// A protected host route

/** `GET /api/accounts`: OAuthGuard with the accounts:read scope, echoes the token's id. */
@Controller('api')
@UseGuards(OAuthGuard)
export class ProtectedAccountsController {
  @Get('accounts')
  @Scopes('accounts:read')
  accounts(@AccessToken() token: VerifiedAccessToken) {
    return { tokenId: token.id, clientId: token.clientId, userId: token.userId };
  }
}

/** Status of `GET /api/accounts` with the token as a bearer token. */
export async function protectedStatus(server: TestApp, accessToken: string): Promise<number> {
  const response = await fetch(`${server.url}/api/accounts`, {
    headers: { authorization: `Bearer ${accessToken}` },
  });
  await response.arrayBuffer();
  return response.status;
}

// ---------------------------------------------------------------------------------------------
// Revocation and introspection calls

/** POST /oauth/revoke with the client's usual authentication (Basic, or client_id for public clients). */
export function revoke(
  server: TestApp,
  client: TestClient,
  params: Record<string, string | undefined>,
): Promise<TokenCall> {
  const auth = clientAuth(client);
  return postForm(server, { ...auth.params, ...params }, auth.headers, OAUTH_PATHS.revocation);
}

/** POST /oauth/introspect with the client's usual authentication. */
export function introspect(
  server: TestApp,
  client: TestClient,
  token: string,
  params: Record<string, string> = {},
): Promise<TokenCall> {
  const auth = clientAuth(client);
  return postForm(
    server,
    { ...auth.params, token, ...params },
    auth.headers,
    OAUTH_PATHS.introspection,
  );
}

/** `active` as the owner client sees it through introspection (fails unless the call answers 200). */
export async function isActive(
  server: TestApp,
  owner: TestClient,
  token: string,
  hint?: string,
): Promise<boolean> {
  const call = await introspect(server, owner, token, hint ? { token_type_hint: hint } : {});
  if (call.status !== 200) throw new Error(`introspection failed: ${call.status} ${call.text}`);
  return call.body.active === true;
}

/** A client_credentials access token (fails unless the token endpoint answers 200). */
export async function serviceToken(
  server: TestApp,
  client: TestClient,
  scope = 'accounts:read',
): Promise<string> {
  const call = await clientCredentials(server, client, { scope });
  if (call.status !== 200)
    throw new Error(`client_credentials failed: ${call.status} ${call.text}`);
  return call.body.access_token;
}

// ---------------------------------------------------------------------------------------------
// Rows with chosen timestamps

const HOUR = 3600_000;

/** Inserts a token row as the issuer would, with the given fields (timestamps in epoch ms). */
export async function seedTokenRow(
  server: TestApp,
  fields: Partial<OAuthToken> & { clientId: string },
): Promise<OAuthToken> {
  const now = Date.now();
  const id = fields.id ?? randomUUID();
  const row: OAuthToken = {
    id,
    accessTokenHash: null,
    refreshTokenHash: null,
    subject: null,
    scopes: ['accounts:read'],
    refreshScopes: null,
    authorizationDetails: null,
    refreshAuthorizationDetails: null,
    grantType: 'client_credentials',
    familyId: id,
    refreshCount: 0,
    audience: [server.url],
    issuedAt: now - HOUR,
    expiresAt: now + HOUR,
    refreshExpiresAt: null,
    refreshConsumedAt: null,
    revokedAt: null,
    originCodeId: null,
    authTime: null,
    acr: null,
    amr: null,
    dpopJkt: null,
    ...fields,
  };
  await dataSourceOf(server).getRepository(OAuthToken).insert(row);
  return row;
}

/** Inserts an authorization code row expiring at `expiresAt`. */
export async function seedCodeRow(
  server: TestApp,
  clientId: string,
  expiresAt: number,
  subject = 'user-alice',
): Promise<string> {
  const id = randomUUID();
  await dataSourceOf(server)
    .getRepository(OAuthAuthorizationCode)
    .insert({
      id,
      codeHash: sha256(`code-${id}`),
      clientId,
      subject,
      redirectUri: REDIRECT_URI,
      scopes: ['accounts:read'],
      codeChallenge: pkcePair().challenge,
      codeChallengeMethod: 'S256',
      nonce: null,
      authTime: null,
      acr: null,
      resources: null,
      expiresAt,
      consumedAt: null,
      createdAt: expiresAt - 60_000,
    });
  return id;
}

/** Inserts a pending interaction row expiring at `expiresAt`. */
export async function seedInteractionRow(
  server: TestApp,
  clientId: string,
  expiresAt: number,
): Promise<string> {
  const id = randomUUID().replace(/-/g, '');
  await dataSourceOf(server)
    .getRepository(OAuthInteraction)
    .insert({
      id,
      request: { clientId } as never,
      subject: null,
      browserBindingHash: sha256(`binding-${id}`),
      expiresAt,
      consumedAt: null,
      createdAt: expiresAt - 600_000,
    });
  return id;
}

export function countRows<T extends ObjectLiteral>(
  server: TestApp,
  entity: EntityTarget<T>,
): Promise<number> {
  return dataSourceOf(server).getRepository(entity).count();
}

/** Ids of the rows of `entity` still stored, sorted. */
export async function storedIds<T extends ObjectLiteral>(
  server: TestApp,
  entity: EntityTarget<T>,
): Promise<string[]> {
  const rows = await dataSourceOf(server)
    .getRepository(entity)
    .find({ select: { id: true } as never });
  return rows.map((row) => (row as unknown as { id: string }).id).sort();
}

// ---------------------------------------------------------------------------------------------
// The browser flow up to the default consent page

export interface ConsentPage {
  /** Form action: /oauth/authorize/interaction/<id>. */
  action: string;
  csrfToken: string;
  /** `oauth_binding=<value>`, to send back as the Cookie header. */
  cookie: string;
  /** The binding cookie's value alone (a secret of the browser). */
  binding: string;
  verifier: string;
  html: string;
}

/** GET /oauth/authorize as a signed-in user (x-test-user) whose consent is needed; reads the page. */
export async function openConsentPage(
  server: TestApp,
  client: TestClient,
  options: { user?: string; scope?: string; state?: string } = {},
): Promise<ConsentPage> {
  const { verifier, challenge } = pkcePair();
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: client.clientId,
    redirect_uri: REDIRECT_URI,
    scope: options.scope ?? 'accounts:read',
    state: options.state ?? 'state-1',
    code_challenge: challenge,
    code_challenge_method: 'S256',
  });
  const response = await fetch(`${server.url}${OAUTH_PATHS.authorize}?${query}`, {
    redirect: 'manual',
    headers: { 'x-test-user': options.user ?? 'user-alice' },
  });
  const html = await response.text();
  if (response.status !== 200)
    throw new Error(`expected the consent page, got ${response.status} ${html.slice(0, 300)}`);
  const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
  const csrfToken = /name="csrf_token" value="([^"]+)"/.exec(html)?.[1];
  const setCookie = response.headers
    .getSetCookie()
    .find((value) => value.startsWith('oauth_binding='));
  if (!action || !csrfToken || !setCookie)
    throw new Error('the consent page lacks its form, csrf token or binding cookie');
  const cookie = setCookie.split(';')[0];
  return {
    action,
    csrfToken,
    cookie,
    binding: cookie.slice('oauth_binding='.length),
    verifier,
    html,
  };
}

/** Posts the consent form; returns the redirect's Location (the client's redirect URI). */
export async function decideConsent(
  server: TestApp,
  page: ConsentPage,
  decision: 'allow' | 'deny',
  user = 'user-alice',
): Promise<URL> {
  const response = await fetch(`${server.url}${page.action}`, {
    method: 'POST',
    redirect: 'manual',
    headers: {
      cookie: page.cookie,
      'x-test-user': user,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ csrf_token: page.csrfToken, decision }).toString(),
  });
  await response.arrayBuffer();
  const location = response.headers.get('location');
  if (response.status !== 303 || !location)
    throw new Error(`expected a redirect to the client, got ${response.status}`);
  return new URL(location);
}

// ---------------------------------------------------------------------------------------------
// Events

export interface EventLog {
  events: OAuthEvent[];
  ofType<T extends OAuthEvent['type']>(type: T): Extract<OAuthEvent, { type: T }>[];
  clear(): void;
  stop(): void;
}

/** Collects every event the app emits from now on (through `events$`). */
export function collectEvents(server: TestApp): EventLog {
  const events: OAuthEvent[] = [];
  const subscription = server.app.get(OAuthEvents).events$.subscribe((event) => events.push(event));
  return {
    events,
    ofType: <T extends OAuthEvent['type']>(type: T) =>
      events.filter((event) => event.type === type) as Extract<OAuthEvent, { type: T }>[],
    clear: () => {
      events.length = 0;
    },
    stop: () => subscription.unsubscribe(),
  };
}
