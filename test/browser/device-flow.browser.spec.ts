// The device flow (RFC 8628) in headless Chromium on the sample app: alice registers a device
// app in the developer portal; the device (oauth4webapi) asks for a code and polls; in the
// browser the user opens the verification page, types the code into "Code", clicks Continue,
// signs in on the sample's page, checks the code on the consent page and clicks Allow (or Deny);
// the device's next poll gets the tokens (or access_denied) and calls the sample's API.
import type { INestApplication } from '@nestjs/common';
import * as oauth from 'oauth4webapi';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { artifactPath, launchChromium } from '../support/browser';
import { INSECURE } from '../support/sample-client-in-browser';
import { SAMPLE_ADAPTERS, startSample } from '../support/sample-app';

const DEVICE_NAME = 'Living Room TV';

jest.setTimeout(30_000);

describe.each(SAMPLE_ADAPTERS)(
  'device flow in a browser (sample app on %s, headless Chromium)',
  (adapter) => {
    let app: INestApplication;
    let issuer: URL;
    let browser: Browser;
    let as: oauth.AuthorizationServer;
    let client: oauth.Client;
    const contexts: BrowserContext[] = [];

    beforeAll(async () => {
      const [sample, chromium] = await Promise.all([
        startSample({ SESSION_SECRET: 'browser-test-secret' }, { adapter }),
        launchChromium(),
      ]);
      browser = chromium;
      issuer = new URL(sample.url);
      app = sample.app;
      as = await oauth.processDiscoveryResponse(
        issuer,
        await oauth.discoveryRequest(issuer, { algorithm: 'oidc', ...INSECURE }),
      );
    });

    afterAll(async () => {
      for (const context of contexts) await context.close().catch(() => undefined);
      await browser?.close();
      await app?.close();
    });

    async function newPage(): Promise<Page> {
      const context = await browser.newContext();
      contexts.push(context);
      context.setDefaultTimeout(10_000);
      return context.newPage();
    }

    async function signIn(page: Page, username: string, password: string): Promise<void> {
      expect(new URL(page.url()).pathname).toBe('/login');
      await page.getByLabel('Username').fill(username);
      await page.getByLabel('Password').fill(password);
      await page.getByRole('button', { name: 'Sign in' }).click();
    }

    async function startOnDevice() {
      const response = await oauth.deviceAuthorizationRequest(
        as,
        client,
        oauth.None(),
        { scope: 'accounts:read' },
        INSECURE,
      );
      return oauth.processDeviceAuthorizationResponse(as, client, response);
    }

    async function poll(deviceCode: string) {
      const response = await oauth.deviceCodeGrantRequest(
        as,
        client,
        oauth.None(),
        deviceCode,
        INSECURE,
      );
      return oauth.processDeviceCodeResponse(as, client, response);
    }

    it('a device app registered in the developer portal', async () => {
      const page = await newPage();
      await page.goto(new URL('/developers', issuer).href);
      await signIn(page, 'alice', 'alice-password');
      await page.getByRole('heading', { name: 'Developer portal' }).waitFor();
      await page.getByLabel('Name').fill(DEVICE_NAME);
      await page.getByLabel('Account Information').check();
      await page.getByLabel('Device', { exact: true }).check();
      await page.getByRole('button', { name: 'Register application' }).click();
      await page.getByRole('heading', { name: 'Application registered' }).waitFor();
      expect(await page.locator('main').textContent()).toContain('/oauth/device_authorization');
      client = { client_id: await page.getByLabel('Client ID').inputValue() };
      await expect(page.getByLabel('Client secret').count()).resolves.toBe(0);
    });

    it('code entered, sign in, consent, Allow: the device gets the tokens', async () => {
      const device = await startOnDevice();
      await expect(poll(device.device_code)).rejects.toMatchObject({
        error: 'authorization_pending',
        cause: { status: 'pending' },
      });

      const page = await newPage();
      await page.goto(device.verification_uri);
      await page.getByLabel('Code').fill(device.user_code.toLowerCase());
      await page.screenshot({ path: artifactPath(`device-code-page-${adapter}.png`) });
      await page.getByRole('button', { name: 'Continue' }).click();
      await signIn(page, 'alice', 'alice-password');

      await page.waitForURL((url) => url.pathname.startsWith('/oauth/authorize/interaction/'));
      const consent = (await page.locator('main').textContent()) ?? '';
      expect(consent).toContain(DEVICE_NAME);
      expect(consent).toContain('Read your account information');
      expect(consent).toContain(device.user_code);
      await page.getByRole('button', { name: 'Allow' }).click();
      await page.getByRole('heading', { name: 'Device connected' }).waitFor();

      const tokens = await poll(device.device_code);
      expect(tokens).toMatchObject({ scope: 'accounts:read', status: 'approved' });
      const accounts = await oauth.protectedResourceRequest(
        tokens.access_token,
        'GET',
        new URL('/api/accounts', issuer),
        undefined,
        undefined,
        INSECURE,
      );
      expect(accounts.status).toBe(200);
    });

    it('verification_uri_complete fills the code in; Deny: the device hears access_denied', async () => {
      const device = await startOnDevice();
      const page = await newPage();
      await page.goto(device.verification_uri_complete!);
      // Filled in, but the user still confirms it (RFC 8628 §5.4).
      await expect(page.getByLabel('Code').inputValue()).resolves.toBe(device.user_code);
      await page.getByRole('button', { name: 'Continue' }).click();
      await signIn(page, 'bob', 'bob-password');
      await page.getByRole('button', { name: 'Deny' }).click();
      await page.getByRole('heading', { name: 'Access denied' }).waitFor();
      await expect(poll(device.device_code)).rejects.toMatchObject({
        error: 'access_denied',
        cause: { status: 'rejected' },
      });
    });

    it('a wrong code is refused on the page, the form kept', async () => {
      const page = await newPage();
      await page.goto(new URL('/oauth/device', issuer).href);
      await page.getByLabel('Code').fill('BCDF-GHJK');
      await page.getByRole('button', { name: 'Continue' }).click();
      await expect(page.getByRole('alert').textContent()).resolves.toMatch(/not valid/);
      await expect(page.getByLabel('Code').inputValue()).resolves.toBe('BCDF-GHJK');
    });
  },
);
