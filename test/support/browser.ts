// Headless Chromium for the browser tests: Debian's `chromium` package driven by playwright-core
// (no browser download: .ci/run installs the package; locally `apt-get install -y chromium`).
import { existsSync, mkdirSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Screenshots and other files worth looking at after a run (git-ignored). */
export const ARTIFACTS_DIR = path.join(__dirname, '..', '..', 'test-artifacts');

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM_PATH}: install Debian's package (apt-get install -y chromium, as .ci/run does) ` +
        'or set CHROMIUM_PATH.',
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-dev-shm-usage',
    ],
  });
}

export function artifactPath(name: string): string {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  return path.join(ARTIFACTS_DIR, name);
}

/** A client's redirect endpoint on 127.0.0.1: answers a small page and remembers every URL it got. */
export interface CallbackServer {
  /** e.g. http://127.0.0.1:41234/callback */
  redirectUri: string;
  received: URL[];
  close(): Promise<void>;
}

export async function startCallbackServer(pathname = '/callback'): Promise<CallbackServer> {
  const received: URL[] = [];
  let base = '';
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', base);
    if (url.pathname === pathname) received.push(url);
    response.writeHead(url.pathname === pathname ? 200 : 404, {
      'content-type': 'text/html; charset=utf-8',
    });
    response.end('<!doctype html><title>Client callback</title><h1>Back at the client</h1>');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    redirectUri: `${base}${pathname}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
