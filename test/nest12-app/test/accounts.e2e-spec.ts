import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { OAuthTesting } from 'nest-oauth-server/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The compiled app (tsc keeps the decorator metadata that Nest's injection reads).
import { AppModule } from '../dist/app.module.js';

describe('AccountsController (e2e, vitest)', () => {
  let app: INestApplication;
  let url: string;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.listen(0, '127.0.0.1');
    url = await app.getUrl();
  });

  afterAll(() => app.close());

  it("answers a user's token, and refuses no token", async () => {
    const headers = await OAuthTesting.authHeader(app, {
      user: 'user-1',
      scopes: ['accounts:read'],
    });
    const response = await fetch(`${url}/api/accounts`, { headers });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ owner: 'user-1', scopes: ['accounts:read'] });
    expect((await fetch(`${url}/api/accounts`)).status).toBe(401);
  });
});
