import type { INestApplicationContext } from '@nestjs/common';
import { issueTestToken } from './issue-test-token';
import type { TestAccessToken, TestTokenOptions } from './test-token-options';

/**
 * Real access tokens for a host's own tests, in the spirit of Laravel Passport's `actingAs`:
 * guarded routes, `@Scopes`, `@AccessToken()` and `@OAuthUser()` work unchanged, whatever the
 * HTTP adapter, because nothing is mocked. `app` is the Nest application (or testing module)
 * that imports OAuthModule. Refuses to run when NODE_ENV is 'production'.
 *
 * @example
 * const token = await OAuthTesting.tokenFor(app, { user: 'user-1', scopes: ['accounts:read'] });
 */
export const OAuthTesting = {
  /** The access token string, for `Authorization: Bearer <token>`. */
  async tokenFor(app: INestApplicationContext, options?: TestTokenOptions): Promise<string> {
    return (await issueTestToken(app, options)).accessToken;
  },

  /** `{ Authorization: 'Bearer <token>' }`, for supertest's `.set()`, fetch or `app.inject()`. */
  async authHeader(
    app: INestApplicationContext,
    options?: TestTokenOptions,
  ): Promise<{ Authorization: string }> {
    return { Authorization: `Bearer ${await OAuthTesting.tokenFor(app, options)}` };
  },

  /** The token with its id, client, user and scopes: e.g. to revoke it in a test. */
  issueToken(app: INestApplicationContext, options?: TestTokenOptions): Promise<TestAccessToken> {
    return issueTestToken(app, options);
  },
};
