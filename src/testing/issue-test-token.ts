import type { INestApplicationContext } from '@nestjs/common';
import { ClientService } from '../clients/client.service';
import { nowSeconds } from '../common/time';
import { OAuthException } from '../errors/oauth.exception';
import { grantableScopes } from '../grants/scope-policy';
import { OAUTH_CONFIG } from '../oauth.constants';
import type { OAuthConfig } from '../options/oauth-config';
import { TokenIssuer } from '../tokens/token-issuer.service';
import { refuseProduction } from './refuse-production';
import { AcrLevels } from '../acr/acr-levels';
import { grantFor, testClient } from './test-client';
import type { TestAccessToken, TestTokenOptions } from './test-token-options';

/**
 * Issues a real access token through the module's own TokenIssuer and stores it, so the guard,
 * `@AccessToken()` and `@OAuthUser()` see it exactly as a token from the token endpoint (strict
 * revocation checking and opaque tokens included). Only the sign-in and the client's
 * authentication are skipped; the scope rules of the token endpoint still apply.
 */
export async function issueTestToken(
  app: INestApplicationContext,
  options: TestTokenOptions = {},
): Promise<TestAccessToken> {
  refuseProduction('nest-oauth-server/testing');
  const { user } = options;
  if (user !== undefined && (typeof user !== 'string' || user.length === 0)) {
    throw new Error(
      'OAuthTesting: `user` must be a non-empty user id (or omitted for a client token).',
    );
  }
  const forUser = user !== undefined;
  if (options.acr !== undefined && (!forUser || typeof options.acr !== 'string')) {
    throw new Error("OAuthTesting: `acr` is a level of a user's sign-in: give `user` too.");
  }
  // strict: false finds the module's providers wherever the host imported OAuthModule.
  const config = app.get<OAuthConfig>(OAUTH_CONFIG, { strict: false });
  const client = await testClient(app.get(ClientService, { strict: false }), config, {
    client: options.client,
    forUser,
    scopes: options.scopes,
  });
  const grantType = grantFor(client, forUser);
  const scopes = scopesFor(options.scopes, client, config, forUser);
  const { response, tokenId } = await app.get(TokenIssuer, { strict: false }).issue({
    clientId: client.clientId,
    subject: user ?? null,
    scopes,
    grantType,
    withRefreshToken: false,
    // As if the user had just signed in: `auth_time` is in the token like after a real sign-in.
    authTime: forUser ? nowSeconds() : null,
    acr: forUser ? (options.acr ?? new AcrLevels(config).required({ scopes }) ?? null) : null,
    amr: forUser ? (options.amr ?? null) : null,
  });
  return {
    accessToken: response.access_token,
    tokenId,
    clientId: client.clientId,
    userId: user ?? null,
    scopes,
    expiresIn: response.expires_in,
  };
}

/** The token endpoint's scope rules, with an error a test author can read. */
function scopesFor(
  requested: string[] | undefined,
  client: Parameters<typeof grantableScopes>[1],
  config: OAuthConfig,
  forUser: boolean,
): string[] {
  if (requested !== undefined && requested.length === 0) return [];
  try {
    return grantableScopes(requested?.join(' '), client, config, forUser);
  } catch (error) {
    if (error instanceof OAuthException) {
      throw new Error(`OAuthTesting: ${error.description}`, { cause: error });
    }
    throw error;
  }
}
