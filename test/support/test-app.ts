import { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { OAuthModule, OAuthModuleOptions, ResourceOwnerProvider } from '../../src';
import { freePort } from './free-port';
import { openTestDatabase } from './databases';
import { createTestApplication, TestTarget } from './targets';

/** Scopes of the bank the tests pretend to be. */
export const TEST_SCOPES = {
  openid: { description: 'Sign you in' },
  profile: { description: 'Your name' },
  email: { description: 'Your email address' },
  offline_access: { description: 'Stay connected when you are away' },
  'accounts:read': { description: 'Read your account information' },
  'payments:write': { description: 'Initiate payments', userOnly: true },
};

export const TEST_USERS: Record<
  string,
  { id: string; username: string; name: string; email: string }
> = {
  'user-alice': {
    id: 'user-alice',
    username: 'alice',
    name: 'Alice Liddell',
    email: 'alice@example.com',
  },
  'user-bob': { id: 'user-bob', username: 'bob', name: 'Bob Builder', email: 'bob@example.com' },
};

/** Signs a user in when the request carries `x-test-user: <id>`: enough for e2e tests. */
export const testResourceOwner: ResourceOwnerProvider = {
  getSignedInUser: (request) => {
    const id = (request as { headers: Record<string, string> }).headers['x-test-user'];
    return TEST_USERS[id] ? { ...TEST_USERS[id], authTime: Math.floor(Date.now() / 1000) } : null;
  },
  findById: (id) => TEST_USERS[id] ?? null,
  getClaims: (id) => {
    const user = TEST_USERS[id];
    return user ? { name: user.name, email: user.email, email_verified: true } : {};
  },
};

export interface TestApp {
  app: INestApplication;
  /** Base URL, e.g. http://127.0.0.1:43210 (also the issuer). */
  url: string;
  close(): Promise<void>;
}

/**
 * Boots a real Nest app with OAuthModule on the target's adapter and a fresh database of the
 * target's kind (unless `overrides.dataSource` brings one), and listens on a free port.
 */
export async function startTestApp(
  target: TestTarget,
  overrides: Partial<OAuthModuleOptions> = {},
  extra: { imports?: unknown[]; controllers?: unknown[]; providers?: unknown[] } = {},
): Promise<TestApp> {
  // A caller's own dataSource (several apps on one database) is the caller's to dispose.
  const database: { options: OAuthModuleOptions['dataSource']; dispose(): Promise<void> } =
    overrides.dataSource
      ? { options: overrides.dataSource, dispose: async () => undefined }
      : await openTestDatabase(target);
  // The issuer must be known before listening, so reserve the port first.
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const moduleRef = await Test.createTestingModule({
    imports: [
      OAuthModule.forRoot({
        issuer: url,
        dataSource: database.options,
        scopes: TEST_SCOPES,
        resourceOwner: testResourceOwner,
        interaction: { loginUrl: '/login' },
        ...overrides,
      }),
      ...((extra.imports ?? []) as never[]),
    ],
    controllers: (extra.controllers ?? []) as never[],
    providers: (extra.providers ?? []) as never[],
  }).compile();
  const app = createTestApplication(moduleRef, target.adapter, {
    logger: process.env.TEST_LOGS ? undefined : false,
  });
  app.enableShutdownHooks();
  try {
    await app.listen(port, '127.0.0.1');
  } catch (error) {
    // A start that fails (a route the adapter refuses, a bad option) leaves no pool or server open.
    await app.close().catch(() => undefined);
    await database.dispose();
    throw error;
  }
  return {
    app,
    url,
    close: async () => {
      await app.close();
      await database.dispose();
    },
  };
}

export { freePort };
