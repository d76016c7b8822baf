// resourceServer.verifiedTokenCacheSize: the in-memory cache of verified JWTs is bounded by the
// option (0 turns it off), and a token works the same whether or not it was remembered.
import { Controller, Get, UseGuards } from '@nestjs/common';
import { AccessTokenVerifier, OAuthGuard, Scopes } from '../../src';
import { OAuthTesting } from '../../src/testing';
import { TEST_TARGETS } from '../support/targets';
import { startTestApp, TestApp } from '../support/test-app';

@Controller('api')
@UseGuards(OAuthGuard)
@Scopes('accounts:read')
class AccountsController {
  @Get('accounts')
  accounts() {
    return [];
  }
}

/** How many verifications the app holds in memory (the cache is private: read for the test). */
const remembered = (server: TestApp): number =>
  (server.app.get(AccessTokenVerifier) as unknown as { verified: Map<string, unknown> }).verified
    .size;

async function callWith(server: TestApp, token: string): Promise<number> {
  const response = await fetch(`${server.url}/api/accounts`, {
    headers: { authorization: `Bearer ${token}` },
  });
  return response.status;
}

// Each size on SQLite, on each adapter.
const CASES = [
  [3, 3],
  [0, 0],
].flatMap(([size, bound]) =>
  TEST_TARGETS.filter((target) => target.database === 'sqlite').map(
    (target) => [size, bound, target] as const,
  ),
);

describe.each(CASES)('verifiedTokenCacheSize: %i (%s)', (size, bound, target) => {
  let server: TestApp;
  beforeAll(async () => {
    server = await startTestApp(
      target,
      { resourceServer: { verifiedTokenCacheSize: size } },
      { controllers: [AccountsController] },
    );
  });
  afterAll(() => server.close());

  it(`keeps at most ${bound} verified tokens in memory, and every token keeps working`, async () => {
    const tokens: string[] = [];
    for (let i = 0; i < 6; i++) {
      tokens.push(await OAuthTesting.tokenFor(server.app, { scopes: ['accounts:read'] }));
    }
    for (const token of [...tokens, ...tokens]) expect(await callWith(server, token)).toBe(200);
    expect(remembered(server)).toBe(bound);
  });
});
