import { createHash } from 'node:crypto';
import { DataSource } from 'typeorm';
import {
  ClientNotFoundError,
  ClientRegistration,
  ClientService,
  OAUTH_DATA_SOURCE,
  InvalidClientMetadataError,
} from '../../src';
import { BAD_CLIENT_URIS, BAD_REDIRECT_URIS } from '../support/client-uri-cases';
import { TEST_TARGETS } from '../support/targets';
import { startTestApp, TEST_SCOPES, TestApp } from '../support/test-app';

/** How the module must store secrets: SHA-256, base64url (computed here independently). */
const sha256 = (value: string) => createHash('sha256').update(value).digest('base64url');

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const WEB_APP: ClientRegistration = {
  name: 'Budget Planner',
  website: 'https://planner.example.com',
  redirectUris: ['https://planner.example.com/callback'],
  grantTypes: ['authorization_code', 'refresh_token'],
  scopes: ['openid', 'accounts:read'],
};

describe.each(TEST_TARGETS)('ClientService (%s)', (target) => {
  let server: TestApp;
  let clients: ClientService;
  let dataSource: DataSource;

  beforeAll(async () => {
    server = await startTestApp(target);
    clients = server.app.get(ClientService);
    dataSource = server.app.get(OAUTH_DATA_SOURCE);
  });
  afterAll(() => server.close());

  /** The stored row, read with SQL so the entity mapping cannot hide anything. */
  const storedRow = (clientId: string): Promise<{ hash: string | null } | undefined> =>
    dataSource
      .createQueryBuilder()
      .select('c.client_secret_hash', 'hash')
      .from('oauth_clients', 'c')
      .where('c.client_id = :clientId', { clientId })
      .getRawOne();

  const clientCount = async () => (await clients.list()).length;

  async function expectRefused(input: ClientRegistration, error: string, description?: RegExp) {
    const before = await clientCount();
    const attempt = clients.register(input);
    await expect(attempt).rejects.toBeInstanceOf(InvalidClientMetadataError);
    await expect(attempt).rejects.toMatchObject({ code: error });
    if (description)
      await expect(attempt).rejects.toMatchObject({
        description: expect.stringMatching(description),
      });
    expect(await clientCount()).toBe(before);
  }

  describe('a confidential client', () => {
    it('gets a secret once, stored only as its SHA-256 hash', async () => {
      const { client, clientSecret } = await clients.register(WEB_APP);

      expect(client).toMatchObject({
        clientType: 'confidential',
        name: 'Budget Planner',
        website: 'https://planner.example.com',
        redirectUris: ['https://planner.example.com/callback'],
        grantTypes: ['authorization_code', 'refresh_token'],
        scopes: ['openid', 'accounts:read'],
        tokenEndpointAuthMethod: 'client_secret_basic',
      });
      expect(client.clientId).toEqual(expect.any(String));
      // 256 bits of randomness in base64url is 43 characters.
      expect(clientSecret).toMatch(/^[A-Za-z0-9_-]{43,}$/);

      const row = await storedRow(client.clientId);
      expect(row?.hash).toBe(sha256(clientSecret!));
      expect(row?.hash).not.toBe(clientSecret);
    });

    it('never shows its secret or hashes through register, get or list', async () => {
      const { client, clientSecret } = await clients.register({ ...WEB_APP, owner: 'no-leak' });
      const { hash } = (await storedRow(client.clientId))!;
      const views = [
        client,
        await clients.get(client.clientId),
        ...(await clients.list({ owner: 'no-leak' })),
      ];
      for (const view of views) {
        expect(view).not.toHaveProperty('clientSecretHash');
        expect(view).not.toHaveProperty('registrationAccessTokenHash');
        const serialized = JSON.stringify(view);
        expect(serialized).not.toContain(clientSecret);
        expect(serialized).not.toContain(hash);
      }
    });

    it('applies the RFC 7591 defaults', async () => {
      const { client } = await clients.register({
        name: 'Minimal',
        redirectUris: ['https://min.example.com/cb'],
      });
      expect(client).toMatchObject({
        clientType: 'confidential',
        website: null,
        grantTypes: ['authorization_code'],
        scopes: Object.keys(TEST_SCOPES),
        tokenEndpointAuthMethod: 'client_secret_basic',
        jwks: null,
        firstParty: false,
        owner: null,
      });
      expect(client.createdAt).toBeGreaterThan(Date.now() - 60_000);
      expect(client.updatedAt).toBe(client.createdAt);
    });

    it('may use client_credentials without redirect URIs', async () => {
      const { client, clientSecret } = await clients.register({
        name: 'Nightly batch',
        grantTypes: ['client_credentials'],
        scopes: ['accounts:read'],
        tokenEndpointAuthMethod: 'client_secret_post',
      });
      expect(client).toMatchObject({ redirectUris: [], grantTypes: ['client_credentials'] });
      expect(clientSecret).toEqual(expect.any(String));
    });
  });

  describe('a public client (token_endpoint_auth_method none)', () => {
    it('gets no secret and stores no hash', async () => {
      const registered = await clients.register({
        name: 'Mobile app',
        redirectUris: ['com.example.app:/oauth/callback', 'http://127.0.0.1:8080/cb'],
        tokenEndpointAuthMethod: 'none',
      });
      expect(registered.clientSecret).toBeUndefined();
      expect(registered).not.toHaveProperty('clientSecret', expect.anything());
      expect(registered.client).toMatchObject({
        clientType: 'public',
        tokenEndpointAuthMethod: 'none',
      });
      expect((await storedRow(registered.client.clientId))?.hash).toBeNull();
    });

    it('has no secret to rotate', async () => {
      const { client } = await clients.register({
        name: 'SPA',
        redirectUris: ['https://spa.example.com/cb'],
        tokenEndpointAuthMethod: 'none',
      });
      await expect(clients.rotateSecret(client.clientId)).rejects.toThrow(/no secret/i);
      expect((await storedRow(client.clientId))?.hash).toBeNull();
    });
  });

  describe('list', () => {
    it("lists all clients, or one owner's, oldest first", async () => {
      // created_at has millisecond resolution: keep the three apart so "oldest first" is defined.
      const a = await clients.register({ ...WEB_APP, name: 'First', owner: 'dev-1' });
      await sleep(5);
      const b = await clients.register({ ...WEB_APP, name: 'Other owner', owner: 'dev-2' });
      await sleep(5);
      const c = await clients.register({ ...WEB_APP, name: 'Second', owner: 'dev-1' });

      const mine = await clients.list({ owner: 'dev-1' });
      expect(mine.map((client) => client.clientId)).toEqual([a.client.clientId, c.client.clientId]);
      const all = (await clients.list()).map((client) => client.clientId);
      expect(all).toEqual(
        expect.arrayContaining([a.client.clientId, b.client.clientId, c.client.clientId]),
      );
      expect(all.indexOf(a.client.clientId)).toBeLessThan(all.indexOf(c.client.clientId));
    });
  });

  describe('update', () => {
    it('changes metadata, keeps the secret and re-validates', async () => {
      const { client, clientSecret } = await clients.register(WEB_APP);
      const updated = await clients.update(client.clientId, {
        name: 'Budget Planner 2',
        redirectUris: [
          'https://planner.example.com/v2/callback',
          'https://planner.example.com/callback',
        ],
        firstParty: true,
      });
      expect(updated).toMatchObject({
        clientId: client.clientId,
        name: 'Budget Planner 2',
        redirectUris: [
          'https://planner.example.com/v2/callback',
          'https://planner.example.com/callback',
        ],
        firstParty: true,
        // untouched fields stay
        website: 'https://planner.example.com',
        scopes: ['openid', 'accounts:read'],
      });
      expect(updated.updatedAt).toBeGreaterThanOrEqual(client.updatedAt);
      expect(await clients.get(client.clientId)).toEqual(updated);
      expect((await storedRow(client.clientId))?.hash).toBe(sha256(clientSecret!));

      await expect(
        clients.update(client.clientId, { redirectUris: ['http://planner.example.com/cb'] }),
      ).rejects.toMatchObject({
        code: 'invalid_redirect_uri',
      });
      expect((await clients.get(client.clientId)).redirectUris).toEqual(updated.redirectUris);
    });

    it('refuses to turn a confidential client public (as a client metadata error)', async () => {
      const { client } = await clients.register(WEB_APP);
      const attempt = clients.update(client.clientId, { tokenEndpointAuthMethod: 'none' });
      await expect(attempt).rejects.toBeInstanceOf(InvalidClientMetadataError);
      await expect(attempt).rejects.toMatchObject({ code: 'invalid_client_metadata' });
      expect((await clients.get(client.clientId)).clientType).toBe('confidential');
    });

    it('throws ClientNotFoundError for an unknown client', async () => {
      await expect(clients.update('no-such-client', { name: 'x' })).rejects.toBeInstanceOf(
        ClientNotFoundError,
      );
    });
  });

  describe('rotateSecret', () => {
    it('issues a new secret and replaces the stored hash', async () => {
      const { client, clientSecret: oldSecret } = await clients.register(WEB_APP);
      const newSecret = await clients.rotateSecret(client.clientId);

      expect(newSecret).toMatch(/^[A-Za-z0-9_-]{43,}$/);
      expect(newSecret).not.toBe(oldSecret);
      const { hash } = (await storedRow(client.clientId))!;
      expect(hash).toBe(sha256(newSecret));
      expect(hash).not.toBe(sha256(oldSecret!));
    });

    it('throws ClientNotFoundError for an unknown client', async () => {
      await expect(clients.rotateSecret('no-such-client')).rejects.toBeInstanceOf(
        ClientNotFoundError,
      );
    });
  });

  describe('delete', () => {
    it('removes the client: get, list and a second delete no longer find it', async () => {
      const { client } = await clients.register({ ...WEB_APP, owner: 'to-delete' });
      await clients.delete(client.clientId);

      await expect(clients.get(client.clientId)).rejects.toBeInstanceOf(ClientNotFoundError);
      await expect(clients.get(client.clientId)).rejects.toThrow(client.clientId);
      expect(await clients.list({ owner: 'to-delete' })).toEqual([]);
      expect(await storedRow(client.clientId)).toBeUndefined();
      await expect(clients.delete(client.clientId)).rejects.toBeInstanceOf(ClientNotFoundError);
    });
  });

  describe('redirect URI rules', () => {
    it.each([
      ['https', 'https://app.example.com/callback'],
      ['http on 127.0.0.1 (native apps, RFC 8252)', 'http://127.0.0.1:8080/cb'],
      ['http on [::1]', 'http://[::1]:8080/cb'],
      ['a query string', 'https://app.example.com/callback?tenant=7'],
    ])('accepts %s', async (_label, uri) => {
      const { client } = await clients.register({ ...WEB_APP, redirectUris: [uri] });
      expect(client.redirectUris).toEqual([uri]);
    });

    it.each([
      ['http on a public host', 'http://example.com/cb', /https/],
      ['a fragment', 'https://app.example.com/cb#section', /fragment/],
      ['a relative URI', '/callback', /absolute/],
      ['an empty string', '', /non-empty/],
      ['data:', 'data:text/html,hi', /forbidden scheme/],
    ])('refuses %s', async (_label, uri, why) => {
      await expectRefused({ ...WEB_APP, redirectUris: [uri] }, 'invalid_redirect_uri', why);
    });

    it.each(BAD_REDIRECT_URIS)('refuses %s (%p)', async (_label, uri, why) => {
      await expectRefused({ ...WEB_APP, redirectUris: [uri] }, 'invalid_redirect_uri', why);
      await expectRefused(
        { ...WEB_APP, tokenEndpointAuthMethod: 'none', redirectUris: [uri] },
        'invalid_redirect_uri',
        why,
      );
    });

    it.each(BAD_CLIENT_URIS)('refuses a website with %s (%p)', async (_label, uri, why) => {
      await expectRefused({ ...WEB_APP, website: uri }, 'invalid_client_metadata', why);
    });

    it('refuses the same URIs on update', async () => {
      const { client } = await clients.register(WEB_APP);
      for (const [, uri, why] of BAD_REDIRECT_URIS.slice(0, 3)) {
        const attempt = clients.update(client.clientId, { ...WEB_APP, redirectUris: [uri] });
        await expect(attempt).rejects.toMatchObject({
          code: 'invalid_redirect_uri',
          description: expect.stringMatching(why),
        });
      }
      expect((await clients.get(client.clientId)).redirectUris).toEqual(WEB_APP.redirectUris);
    });

    it('refuses javascript: even for a public client', async () => {
      await expectRefused(
        { ...WEB_APP, tokenEndpointAuthMethod: 'none', redirectUris: ['javascript:alert(1)'] },
        'invalid_redirect_uri',
        /forbidden scheme/,
      );
    });

    it('refuses the whole registration when one of several URIs is bad', async () => {
      await expectRefused(
        { ...WEB_APP, redirectUris: ['https://app.example.com/ok', 'http://example.com/bad'] },
        'invalid_redirect_uri',
        /example\.com\/bad/,
      );
    });

    it('accepts a private-use scheme (com.example.app:/cb) for a public client', async () => {
      const { client } = await clients.register({
        name: 'Native',
        redirectUris: ['com.example.app:/cb'],
        tokenEndpointAuthMethod: 'none',
      });
      expect(client.redirectUris).toEqual(['com.example.app:/cb']);
    });

    it('refuses a private-use scheme for a confidential client', async () => {
      await expectRefused(
        { ...WEB_APP, redirectUris: ['com.example.app:/cb'] },
        'invalid_redirect_uri',
        /custom scheme/,
      );
    });

    it('refuses a custom scheme that is not a reverse domain name', async () => {
      await expectRefused(
        { name: 'Native', redirectUris: ['myapp:/cb'], tokenEndpointAuthMethod: 'none' },
        'invalid_redirect_uri',
        /reverse domain/,
      );
    });

    it('requires redirect URIs for the authorization_code grant', async () => {
      await expectRefused({ ...WEB_APP, redirectUris: [] }, 'invalid_redirect_uri', /required/);
      await expectRefused({ name: 'No URIs' }, 'invalid_redirect_uri', /required/);
    });
  });

  describe('metadata rules', () => {
    it('refuses client_credentials for a public client', async () => {
      await expectRefused(
        {
          name: 'Public batch',
          grantTypes: ['client_credentials'],
          tokenEndpointAuthMethod: 'none',
        },
        'invalid_client_metadata',
        /confidential/,
      );
    });

    it('refuses a scope the server does not offer', async () => {
      await expectRefused(
        { ...WEB_APP, scopes: ['openid', 'admin:everything'] },
        'invalid_client_metadata',
        /admin:everything/,
      );
    });

    it('refuses a grant type the server does not enable', async () => {
      await expectRefused(
        { ...WEB_APP, grantTypes: ['password'] },
        'invalid_client_metadata',
        /password/,
      );
    });

    it('refuses an unknown authentication method', async () => {
      await expectRefused(
        { ...WEB_APP, tokenEndpointAuthMethod: 'tls_client_auth' },
        'invalid_client_metadata',
      );
    });

    it('refuses a missing or blank name', async () => {
      await expectRefused({ ...WEB_APP, name: '   ' }, 'invalid_client_metadata', /client_name/);
      await expectRefused(
        { ...WEB_APP, name: undefined as unknown as string },
        'invalid_client_metadata',
        /client_name/,
      );
    });

    it('refuses values longer than their columns (PostgreSQL would fail on them)', async () => {
      await expectRefused(
        { ...WEB_APP, website: `https://planner.example.com/${'x'.repeat(2048)}` },
        'invalid_client_metadata',
        /client_uri/,
      );
      await expectRefused(
        { ...WEB_APP, owner: 'o'.repeat(256) },
        'invalid_client_metadata',
        /owner/,
      );
      const { client } = await clients.register({ ...WEB_APP, owner: 'o'.repeat(255) });
      expect(client.owner).toHaveLength(255);
    });

    it('refuses private_key_jwt without public keys, and private keys in jwks', async () => {
      await expectRefused(
        { ...WEB_APP, tokenEndpointAuthMethod: 'private_key_jwt' },
        'invalid_client_metadata',
        /jwks/,
      );
      await expectRefused(
        {
          ...WEB_APP,
          tokenEndpointAuthMethod: 'private_key_jwt',
          jwks: { keys: [{ kty: 'oct', k: 'c2VjcmV0' }] },
        },
        'invalid_client_metadata',
        /public keys only/,
      );
    });
  });
});
