import { Injectable } from '@nestjs/common';
import { DpopProofError } from '../dpop/dpop-proof-error';
import { DpopProofVerifier } from '../dpop/dpop-proof-verifier.service';
import { OAuthErrorCode, OAuthException } from '../errors/oauth.exception';
import type { OAuthHttpRequest } from '../http/http-request';
import { InjectOAuthConfig } from '../oauth.constants';
import type { OAuthConfig } from '../options/oauth-config';
import { AccessTokenVerifier } from './access-token-verifier.service';
import type { VerifiedAccessToken } from './verified-access-token';

/**
 * A protected resource's side of DPoP (RFC 9449 §7): the token of `Authorization: DPoP` must be
 * bound to a key, and the request's `DPoP` proof must be signed by that key, for this method and
 * URL, with `ath` = the token's hash. Errors are 401s with a `DPoP` challenge naming the
 * accepted algorithms (`use_dpop_nonce` adds `DPoP-Nonce`). Used by OAuthGuard and userinfo.
 */
@Injectable()
export class DpopResourceAuthenticator {
  constructor(
    @InjectOAuthConfig() private readonly config: OAuthConfig,
    private readonly verifier: AccessTokenVerifier,
    private readonly proofs: DpopProofVerifier,
  ) {}

  /** `token` came as `Authorization: DPoP`; `htu` is the request's public URL (`dpopTargetUri`). */
  async authenticate(
    request: OAuthHttpRequest,
    token: string,
    htu: string,
  ): Promise<VerifiedAccessToken> {
    const verified = await this.verifier.verify(token).catch((error: unknown) => {
      // The verifier speaks Bearer; the client used DPoP, so the challenge must too.
      if (error instanceof OAuthException && error.httpStatus === 401)
        throw this.error(error.error, error.description);
      throw error;
    });
    if (verified.dpopJkt === undefined)
      throw this.error('invalid_token', 'This access token is not DPoP-bound: send it as Bearer.');
    try {
      await this.proofs.verify(request.header('dpop'), {
        htm: request.method,
        htu,
        accessToken: { value: token, jkt: verified.dpopJkt },
      });
    } catch (error) {
      if (error instanceof DpopProofError)
        throw this.error(error.code, error.description, error.headers);
      throw error;
    }
    return verified;
  }

  /** A 401 with the DPoP challenge (RFC 9449 §7.1). */
  error(
    code: OAuthErrorCode,
    description: string,
    headers: Record<string, string> = {},
  ): OAuthException {
    return OAuthException.dpop(code, description, 401, this.config.dpop.algorithms, { headers });
  }
}
