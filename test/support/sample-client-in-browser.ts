// What the sample's browser specs of the code flow share: the sample app on one adapter, headless
// Chromium, a local callback server for the client's redirect URI, one client registered through
// ClientService and the server's metadata as oauth4webapi reads it.
import type { INestApplication } from '@nestjs/common';
import * as oauth from 'oauth4webapi';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ClientService } from '../../src';
import type { ClientRegistration } from '../../src';
import { CallbackServer, launchChromium, startCallbackServer } from './browser';
import type { HttpAdapterName } from './http-adapter';
import { startSample } from './sample-app';

/** The sample runs on http://127.0.0.1. */
export const INSECURE = { [oauth.allowInsecureRequests]: true } as const;

/** The client's side of an authorization request: PKCE, nonce, state and the URL. */
export interface AuthorizationStart {
  url: URL;
  codeVerifier: string;
  nonce: string;
  state: string;
}

export interface SampleClientInBrowser {
  app: INestApplication;
  issuer: URL;
  browser: Browser;
  callback: CallbackServer;
  as: oauth.AuthorizationServer;
  client: oauth.Client;
  clientAuth: oauth.ClientAuth;
  /** A fresh browser profile (no cookies) with a page; closed by `close`. */
  newPage(): Promise<Page>;
  /** An authorization request of the client for `scope`, with PKCE S256, nonce and state. */
  startAuthorization(scope: string): Promise<AuthorizationStart>;
  /**
   * The client's side of the landing: oauth4webapi checks iss and state, exchanges the code and
   * checks the token response and its id_token (nonce included).
   */
  exchange(landed: URL, flow: AuthorizationStart): Promise<oauth.TokenEndpointResponse>;
  close(): Promise<void>;
}

export async function startSampleWithClient(options: {
  adapter: HttpAdapterName;
  /** The client, given the callback server's redirect URI (a confidential client: it gets a secret). */
  registration: (redirectUri: string) => ClientRegistration;
  sessionSecret?: string;
  /** Which metadata document oauth4webapi reads. Default: OpenID Connect's. */
  algorithm?: 'oidc' | 'oauth2';
}): Promise<SampleClientInBrowser> {
  const [sample, browser, callback] = await Promise.all([
    startSample(
      { SESSION_SECRET: options.sessionSecret ?? 'browser-test-secret' },
      {
        adapter: options.adapter,
      },
    ),
    launchChromium(),
    startCallbackServer(),
  ]);
  const issuer = new URL(sample.url);
  const registered = await sample.app
    .get(ClientService)
    .register(options.registration(callback.redirectUri));
  const client: oauth.Client = { client_id: registered.client.clientId };
  const as = await oauth.processDiscoveryResponse(
    issuer,
    await oauth.discoveryRequest(issuer, { algorithm: options.algorithm ?? 'oidc', ...INSECURE }),
  );
  const contexts: BrowserContext[] = [];
  const clientAuth = oauth.ClientSecretBasic(registered.clientSecret!);
  return {
    app: sample.app,
    issuer,
    browser,
    callback,
    as,
    client,
    clientAuth,
    async newPage() {
      const context = await browser.newContext();
      contexts.push(context);
      context.setDefaultTimeout(10_000);
      return context.newPage();
    },
    async startAuthorization(scope) {
      const codeVerifier = oauth.generateRandomCodeVerifier();
      const nonce = oauth.generateRandomNonce();
      const state = oauth.generateRandomState();
      const url = new URL(as.authorization_endpoint!);
      url.search = new URLSearchParams({
        response_type: 'code',
        client_id: client.client_id,
        redirect_uri: callback.redirectUri,
        scope,
        state,
        nonce,
        code_challenge: await oauth.calculatePKCECodeChallenge(codeVerifier),
        code_challenge_method: 'S256',
      }).toString();
      return { url, codeVerifier, nonce, state };
    },
    async exchange(landed, flow) {
      const params = oauth.validateAuthResponse(as, client, landed, flow.state);
      const response = await oauth.authorizationCodeGrantRequest(
        as,
        client,
        clientAuth,
        params,
        callback.redirectUri,
        flow.codeVerifier,
        INSECURE,
      );
      return oauth.processAuthorizationCodeResponse(as, client, response, {
        expectedNonce: flow.nonce,
        requireIdToken: true,
      });
    },
    async close() {
      for (const context of contexts) await context.close().catch(() => undefined);
      await browser.close();
      await sample.app.close();
      await callback.close();
    },
  };
}
