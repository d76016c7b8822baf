// The app the fault test (fault.e2e.spec.ts) runs twice, as separate Node processes on one
// PostgreSQL database, so that one of them can be killed with SIGKILL in the middle of requests:
// OAuthModule with its defaults (refresh token rotation included), plus two test-only endpoints:
//
// - POST /fault/seed registers a client (or takes `clientId`) and issues the first refresh token
//   of a new family, as a finished authorization code flow would;
// - POST /fault/hold-token-responses makes this process stop answering the token endpoint: each
//   request still runs to the end (a refresh rotates and commits) but its response is never
//   written. Killing the process then loses those responses for sure, which a bare SIGKILL does
//   only when it happens to land between the commit and the write.
//
//   FAULT_DATABASE_URL=postgres://... FAULT_PORT=1234 FAULT_ISSUER=http://127.0.0.1:1234 \
//     node -r @swc-node/register test/fault/fault-app.ts
//
// Listens on 127.0.0.1 only. Prints FAULT_APP_READY on stdout once it accepts requests.
//
// Express only (NestFactory's default, and holdTokenResponses is Express middleware): the test
// needs PostgreSQL and takes minutes, and Fastify runs on SQLite alone (test/support/targets.ts).
import 'reflect-metadata';
import { Body, Controller, HttpCode, Module, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NextFunction, Request, Response } from 'express';
import { ClientService, OAUTH_PATHS, OAuthModule, TokenIssuer } from '../../src';

export const FAULT_READY_LINE = 'FAULT_APP_READY';
export const FAULT_SEED_PATH = '/fault/seed';
export const FAULT_HOLD_PATH = '/fault/hold-token-responses';
export const FAULT_SCOPES = ['accounts:read'];
const FAULT_REDIRECT_URI = 'https://app.example/cb';

export interface SeededFamily {
  clientId: string;
  /** Only when the seed registered the client. */
  clientSecret?: string;
  refreshToken: string;
}

/** Whether token endpoint responses are being swallowed (see FAULT_HOLD_PATH). */
let holding = false;

@Controller()
class FaultController {
  constructor(
    private readonly clients: ClientService,
    private readonly issuer: TokenIssuer,
  ) {}

  @Post(FAULT_SEED_PATH)
  @HttpCode(200)
  async seed(@Body() body: { clientId?: string }): Promise<SeededFamily> {
    let clientId = body?.clientId;
    let clientSecret: string | undefined;
    if (!clientId) {
      const registered = await this.clients.register({
        name: 'Fault test client',
        grantTypes: ['authorization_code', 'refresh_token', 'client_credentials'],
        redirectUris: [FAULT_REDIRECT_URI],
        scopes: FAULT_SCOPES,
      });
      clientId = registered.client.clientId;
      clientSecret = registered.clientSecret;
    }
    const { response } = await this.issuer.issue({
      clientId,
      subject: `user-${clientId.slice(0, 8)}`,
      scopes: FAULT_SCOPES,
      grantType: 'authorization_code',
      withRefreshToken: true,
    });
    return { clientId, clientSecret, refreshToken: response.refresh_token! };
  }

  @Post(FAULT_HOLD_PATH)
  @HttpCode(200)
  hold(): { holding: true } {
    holding = true;
    return { holding };
  }
}

/** Swallows the token endpoint's response once holding: the request runs, the answer is lost. */
function holdTokenResponses(request: Request, response: Response, next: NextFunction): void {
  if (holding && request.path === OAUTH_PATHS.token) {
    response.write = (() => true) as never;
    response.end = (() => response) as never;
  }
  next();
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
}

async function main(): Promise<void> {
  const url = required('FAULT_DATABASE_URL');
  const port = Number(required('FAULT_PORT'));
  const issuer = required('FAULT_ISSUER');

  @Module({
    imports: [
      OAuthModule.forRoot({
        issuer,
        dataSource: { type: 'postgres', url },
        scopes: { 'accounts:read': { description: 'Read your account information' } },
        resourceOwner: {
          getSignedInUser: () => null,
          findById: (id) => ({ id }),
          getClaims: () => ({}),
        },
        interaction: { loginUrl: '/login' },
        // Nothing but the traffic under test touches the tables.
        cleanup: { enabled: false },
      }),
    ],
    controllers: [FaultController],
  })
  class FaultAppModule {}

  const app = await NestFactory.create(FaultAppModule, {
    // Errors and warnings go to stderr, which the test keeps and shows when it fails.
    logger: ['error', 'warn'],
  });
  app.use(holdTokenResponses);
  app.enableShutdownHooks();
  await app.listen(port, '127.0.0.1');
  process.stdout.write(`${FAULT_READY_LINE}\n`);
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
