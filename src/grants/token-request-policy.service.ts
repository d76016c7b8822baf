import { Injectable } from '@nestjs/common';
import { OAuthException } from '../errors/oauth.exception';
import { InjectOAuthConfig } from '../oauth.constants';
import type { OAuthConfig } from '../options/oauth-config';
import type { TokenRequest } from './oauth-grant.interface';
import { AcrLevels, AcrRequirementInput } from '../acr/acr-levels';

/**
 * The rules for token requests beyond the grant's own: the authentication level the access needs
 * (`acr.scopes`, `acr.authorizationDetailsTypes`), per-scope required parameters, then the host's hook.
 */
@Injectable()
export class TokenRequestPolicy {
  private readonly levels: AcrLevels;

  constructor(@InjectOAuthConfig() private readonly config: OAuthConfig) {
    this.levels = new AcrLevels(config);
  }

  /**
   * `access` is what the token will grant: its scopes and RFC 9396 details. `signIn` is the
   * sign-in a user's tokens come from (its `acr`); omit it for a client's own token. The
   * authorization endpoint never approves below the level, so this refusal is the last line: a
   * code from before the host raised a level, or a refresh that would outlive one.
   */
  async check(
    request: TokenRequest,
    access: AcrRequirementInput,
    subject: string | null,
    signIn?: { acr: string | null },
  ): Promise<void> {
    const scopes = [...access.scopes];
    const required = this.levels.required(access);
    if (required !== undefined && !signIn) {
      // Scopes with a level are userOnly (checked at start-up); a detail type is not.
      throw OAuthException.invalidAuthorizationDetails(
        `These authorization details need a user's sign-in at level ${required}: a client cannot get them for itself.`,
      );
    }
    if (signIn && !this.levels.satisfies(signIn.acr, required)) {
      throw OAuthException.invalidGrant(
        `This access needs a sign-in at level ${required} or higher; authorize again with a stronger sign-in.`,
      );
    }
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
