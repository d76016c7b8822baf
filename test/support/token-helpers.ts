// Helpers for the token endpoint e2e suites: register clients, call POST /oauth/token, and
// get refresh tokens by seeding an authorization code (until the authorization endpoint exists).
import type { INestApplication } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import type { DataSource } from 'typeorm';
import { ClientService, OAUTH_DATA_SOURCE, OAUTH_PATHS } from '../../src';
import type { ClientRegistration } from '../../src';
import { AuthorizationCodeService } from '../../src/codes/authorization-code.service';
import { TokenStore } from '../../src/storage/stores/token.store';
import { TokenRevoker } from '../../src/tokens/token-revoker.service';
import type { TestApp } from './test-app';

export const REDIRECT_URI = 'https://app.example/cb';

/** The error codes of RFC 6749 §5.2, plus RFC 8707 invalid_target: the token endpoint's only errors. */
export const TOKEN_ERROR_CODES = [
  'invalid_request',
  'invalid_client',
  'invalid_grant',
  'unauthorized_client',
  'unsupported_grant_type',
  'invalid_scope',
  'invalid_target',
] as const;

export interface TestClient {
  clientId: string;
  /** The secret ClientService returned; undefined for public (`none`) clients. */
  clientSecret?: string;
}

/** Registers a client through the module's ClientService. */
export async function registerClient(
  server: TestApp | INestApplication,
  registration: Partial<ClientRegistration> = {},
): Promise<TestClient> {
  const app = 'app' in server ? server.app : server;
  const { client, clientSecret } = await app.get(ClientService).register({
    name: 'Test client',
    ...registration,
  } as ClientRegistration);
  return { clientId: client.clientId, clientSecret };
}

/** A confidential client for client_credentials, with client_secret_basic. */
export function registerServiceClient(
  server: TestApp,
  registration: Partial<ClientRegistration> = {},
): Promise<TestClient> {
  return registerClient(server, {
    name: 'Service client',
    grantTypes: ['client_credentials'],
    scopes: ['accounts:read', 'payments:write'],
    ...registration,
  });
}

/** A client for the code flow with refresh tokens. */
export function registerCodeClient(
  server: TestApp,
  registration: Partial<ClientRegistration> = {},
): Promise<TestClient> {
  return registerClient(server, {
    name: 'Web app',
    grantTypes: ['authorization_code', 'refresh_token'],
    redirectUris: [REDIRECT_URI],
    scopes: ['openid', 'profile', 'offline_access', 'accounts:read', 'payments:write'],
    ...registration,
  });
}

/** RFC 6749 §2.3.1: id and secret are form-urlencoded, then joined and base64-encoded. */
export function basicAuth(clientId: string, clientSecret: string): string {
  const encode = (value: string) => encodeURIComponent(value).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${encode(clientId)}:${encode(clientSecret)}`).toString('base64')}`;
}

export function basicHeaders(client: TestClient): Record<string, string> {
  return { authorization: basicAuth(client.clientId, client.clientSecret!) };
}

export interface TokenCall {
  status: number;
  headers: Headers;
  /** The parsed JSON body, or undefined when the body is not JSON. */
  body: any;
  text: string;
}

/** POSTs form parameters to the token endpoint. Arrays repeat a parameter. */
export async function postForm(
  server: TestApp,
  params: Record<string, string | string[] | undefined>,
  headers: Record<string, string> = {},
  path: string = OAUTH_PATHS.token,
): Promise<TokenCall> {
  const form = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) form.append(name, item);
  }
  const response = await fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: form.toString(),
  });
  return readCall(response);
}

/** A token endpoint error: this status and RFC 6749 §5.2 body (`error` plus a description). */
export function expectTokenError(call: TokenCall, error: string, status = 400): void {
  expect({ status: call.status, body: call.body }).toEqual({
    status,
    body: { error, error_description: expect.any(String) },
  });
}

export async function readCall(response: Response): Promise<TokenCall> {
  const text = await response.text();
  let body: any;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: response.status, headers: response.headers, body, text };
}

/** client_credentials with client_secret_basic. */
export function clientCredentials(
  server: TestApp,
  client: TestClient,
  params: Record<string, string> = {},
): Promise<TokenCall> {
  return postForm(server, { grant_type: 'client_credentials', ...params }, basicHeaders(client));
}

/** PKCE pair (RFC 7636, S256). */
export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export interface SeededCode {
  code: string;
  verifier: string;
}

export interface SeedOptions {
  subject?: string;
  scopes?: string[];
  nonce?: string | null;
  redirectUri?: string;
  authTime?: number | null;
  /** OIDC acr / amr of the sign-in the code was approved with. Default: none. */
  acr?: string | null;
  amr?: string[] | null;
  /** RFC 9449 §10: bind the code to this DPoP key thumbprint. */
  dpopJkt?: string | null;
  /** RFC 9396: the details the code was approved with. */
  authorizationDetails?: { type: string; [member: string]: unknown }[] | null;
}

/** Stores an authorization code as the authorization endpoint would (PKCE S256). */
export async function seedCode(
  server: TestApp,
  client: TestClient,
  options: SeedOptions = {},
): Promise<SeededCode> {
  const { verifier, challenge } = pkcePair();
  const code = await server.app.get(AuthorizationCodeService).create({
    clientId: client.clientId,
    subject: options.subject ?? 'user-alice',
    redirectUri: options.redirectUri ?? REDIRECT_URI,
    scopes: options.scopes ?? ['accounts:read', 'payments:write'],
    codeChallenge: challenge,
    codeChallengeMethod: 'S256',
    nonce: options.nonce ?? null,
    authTime: options.authTime ?? Math.floor(Date.now() / 1000),
    acr: options.acr ?? null,
    amr: options.amr ?? null,
    resources: null,
    dpopJkt: options.dpopJkt ?? null,
    authorizationDetails: options.authorizationDetails ?? null,
    expiresAt: Date.now() + 60_000,
  });
  return { code, verifier };
}

/** How a client authenticates in a helper call: Basic (confidential) or client_id only (public). */
export function clientAuth(client: TestClient): {
  headers: Record<string, string>;
  params: Record<string, string>;
} {
  return client.clientSecret
    ? { headers: basicHeaders(client), params: {} }
    : { headers: {}, params: { client_id: client.clientId } };
}

/** Seeds a code and exchanges it at the token endpoint; fails the test unless it answers 200. */
export async function seedCodeAndExchange(
  server: TestApp,
  client: TestClient,
  options: SeedOptions = {},
): Promise<any> {
  const { code, verifier } = await seedCode(server, client, options);
  const auth = clientAuth(client);
  const call = await postForm(
    server,
    {
      grant_type: 'authorization_code',
      code,
      code_verifier: verifier,
      redirect_uri: options.redirectUri ?? REDIRECT_URI,
      ...auth.params,
    },
    auth.headers,
  );
  if (call.status !== 200) throw new Error(`code exchange failed: ${call.status} ${call.text}`);
  return call.body;
}

/** refresh_token grant with the client's usual authentication. */
export function refresh(
  server: TestApp,
  client: TestClient,
  refreshToken: string,
  params: Record<string, string> = {},
): Promise<TokenCall> {
  const auth = clientAuth(client);
  return postForm(
    server,
    { grant_type: 'refresh_token', refresh_token: refreshToken, ...auth.params, ...params },
    auth.headers,
  );
}

export function dataSourceOf(server: TestApp): DataSource {
  return server.app.get<DataSource>(OAUTH_DATA_SOURCE);
}

/** Runs SQL written with `?` placeholders on the app's database (PostgreSQL gets `$1, $2...`). */
export function queryRows(server: TestApp, sql: string, params: unknown[] = []): Promise<any[]> {
  const db = dataSourceOf(server);
  let n = 0;
  const text = db.options.type === 'postgres' ? sql.replace(/\?/g, () => `$${++n}`) : sql;
  return db.query(text, params);
}

/** SHA-256 base64url, as the module stores secrets and tokens. */
export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/**
 * A request with exactly the given method, headers and body bytes (fetch would add a
 * content type of its own). `content-length` is set from the body.
 */
export function rawRequest(
  server: TestApp,
  options: {
    method?: string;
    path?: string;
    headers?: Record<string, string>;
    body?: string | Buffer;
  },
): Promise<RawResponse> {
  const body = options.body === undefined ? undefined : Buffer.from(options.body);
  const url = new URL(`${server.url}${options.path ?? OAUTH_PATHS.token}`);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        method: options.method ?? 'POST',
        headers: {
          ...(options.headers ?? {}),
          ...(body ? { 'content-length': String(body.length) } : {}),
        },
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Revokes the whole family of a stored token the way the module does (revocation endpoint,
 * reuse detection): through TokenRevoker, whose event makes every remembered answer of this
 * instance stale at once. A write to the store alone (an operator's SQL) is heard through the
 * database's revocation feed instead, within milliseconds but not synchronously.
 */
export async function revokeFamilyOf(app: INestApplication, tokenId: string): Promise<void> {
  const row = await app.get(TokenStore).findById(tokenId);
  if (!row) throw new Error(`no token row ${tokenId}`);
  await app.get(TokenRevoker).revokeFamily(row, 'revocation_endpoint');
}
