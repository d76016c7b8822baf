import { Injectable } from '@nestjs/common';
import { OAuthException } from '../errors/oauth.exception';
import { InjectOAuthConfig } from '../oauth.constants';
import type { OAuthConfig } from '../options/oauth-config';
import type { TokenRequest } from './oauth-grant.interface';

/** The host's extra rules for token requests: per-scope required parameters, then its hook. */
@Injectable()
export class TokenRequestPolicy {
  constructor(@InjectOAuthConfig() private readonly config: OAuthConfig) {}

  async check(request: TokenRequest, scopes: string[], subject: string | null): Promise<void> {
    for (const scope of scopes) {
      for (const parameter of this.config.scopes[scope]?.requiredTokenParameters ?? []) {
        if (!request.params[parameter]) {
          throw OAuthException.invalidRequest(
            `The scope "${scope}" requires the "${parameter}" parameter.`,
          );
        }
      }
    }
    await this.config.validateTokenRequest?.({
      grantType: request.grantType,
      clientId: request.client.clientId,
      subject,
      scopes,
      params: request.params,
    });
  }
}
