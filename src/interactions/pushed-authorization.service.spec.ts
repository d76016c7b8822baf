import { OAuthException } from '../errors/oauth.exception';
import { resolveOAuthConfig } from '../options/oauth-config';
import type { OAuthModuleOptions } from '../options/oauth-module-options.interface';
import type { OAuthClient } from '../storage/entities/oauth-client.entity';
import type { PushedRequestStore } from '../storage/stores/pushed-request.store';
import { PushedAuthorizationService } from './pushed-authorization.service';

const config = (redirectUriRequired: boolean) => {
  const resolved = resolveOAuthConfig({
    issuer: 'https://auth.example.com',
    dataSource: { type: 'better-sqlite3', database: ':memory:' },
    scopes: { 'accounts:read': { description: 'Read your accounts' } },
  } as OAuthModuleOptions);
  resolved.pushedAuthorizationRequests.redirectUriRequired = redirectUriRequired;
  return resolved;
};

const client = {
  clientId: 'app',
  clientType: 'confidential',
  redirectUris: ['https://app.example/cb'],
  grantTypes: ['authorization_code'],
  scopes: ['accounts:read'],
} as OAuthClient;

const params = {
  response_type: 'code',
  scope: 'accounts:read',
  code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
  code_challenge_method: 'S256',
};

const service = (redirectUriRequired: boolean) =>
  new PushedAuthorizationService(config(redirectUriRequired), {} as PushedRequestStore);

describe('PushedAuthorizationService.validate: redirect_uri (the FAPI 2.0 switch)', () => {
  it('takes the one registered redirect URI when redirect_uri is left out, by default', async () => {
    expect((await service(false).validate(params, client)).redirectUri).toBe(
      'https://app.example/cb',
    );
  });

  it('refuses a request without redirect_uri when redirectUriRequired is on', async () => {
    const error = await service(true)
      .validate(params, client)
      .then(
        () => undefined,
        (thrown: unknown) => thrown as OAuthException,
      );
    expect(error).toBeInstanceOf(OAuthException);
    expect({ error: error?.error, description: error?.description }).toEqual({
      error: 'invalid_request',
      description: 'redirect_uri is required.',
    });
    const request = { ...params, redirect_uri: 'https://app.example/cb' };
    expect((await service(true).validate(request, client)).redirectUri).toBe(
      'https://app.example/cb',
    );
  });
});
