import { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { OAuthTesting } from 'nest-oauth-server/testing';
import { AppModule } from '../src/app.module';

describe('AccountsController (e2e)', () => {
  let app: INestApplication;
  let url: string;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.listen(0, '127.0.0.1');
    url = await app.getUrl();
  });

  afterAll(() => app.close());

  const getAccounts = (headers: Record<string, string> = {}) =>
    fetch(`${url}/api/accounts`, { headers });

  it("answers a user's token with the user's accounts", async () => {
    const headers = await OAuthTesting.authHeader(app, {
      user: 'user-1',
      scopes: ['accounts:read'],
    });
    const response = await getAccounts(headers);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ owner: 'user-1', scopes: ['accounts:read'] });
  });

  it("answers a client's own token without a user", async () => {
    const token = await OAuthTesting.tokenFor(app, { scopes: ['accounts:read'] });
    const response = await getAccounts({ Authorization: `Bearer ${token}` });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ owner: null });
  });

  it('refuses a token without the scope, and no token at all', async () => {
    const headers = await OAuthTesting.authHeader(app, { user: 'user-1', scopes: [] });
    expect((await getAccounts(headers)).status).toBe(403);
    expect((await getAccounts()).status).toBe(401);
  });
});
