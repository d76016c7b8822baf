import { Injectable } from '@nestjs/common';
import { OAuthException } from '../errors/oauth.exception';
import type { OAuthHttpRequest } from '../http/http-request';
import { InjectOAuthConfig, OAUTH_PATHS } from '../oauth.constants';
import type { OAuthConfig } from '../options/oauth-config';
import { DpopProofError } from './dpop-proof-error';
import { DpopProofVerifier, VerifiedDpopProof } from './dpop-proof-verifier.service';
import { dpopTargetUri } from './dpop-target-uri';

/**
 * DPoP at the token endpoint (RFC 9449 §5): the proof of a token request, checked before the
 * grant runs (so a bad proof never spends a code or a refresh token). Errors are token endpoint
 * errors: 400 `invalid_dpop_proof`, or `use_dpop_nonce` with a `DPoP-Nonce` header.
 */
@Injectable()
export class TokenEndpointDpop {
  /** The advertised token and PAR endpoints: public URLs, never the request's Host header. */
  private readonly htu: string;
  private readonly parHtu: string;

  constructor(
    @InjectOAuthConfig() private readonly config: OAuthConfig,
    private readonly proofs: DpopProofVerifier,
  ) {
    this.htu = dpopTargetUri(`${config.issuer}${OAUTH_PATHS.token}`)!;
    this.parHtu = dpopTargetUri(`${config.issuer}${OAUTH_PATHS.par}`)!;
  }

  /**
   * The request's checked proof; undefined when none was sent and the client may go without
   * (`dpop_bound_access_tokens`, RFC 9449 §5.2). With DPoP off the header is ignored, as a server
   * without DPoP would.
   */
  async proofOf(
    request: OAuthHttpRequest,
    client: { dpopBoundAccessTokens: boolean },
  ): Promise<VerifiedDpopProof | undefined> {
    if (!this.config.dpop.enabled) return undefined;
    const proof = request.header('dpop');
    if (proof === undefined) {
      if (client.dpopBoundAccessTokens || this.config.dpop.required)
        throw OAuthException.invalidRequest('This client must send a DPoP proof.');
      return undefined;
    }
    return this.check(proof, request.method, this.htu);
  }

  /**
   * A proof sent to the PAR endpoint (RFC 9449 §10.1); undefined when none was sent (or DPoP is
   * off). Never required there.
   */
  async proofAtPar(request: OAuthHttpRequest): Promise<VerifiedDpopProof | undefined> {
    const proof = request.header('dpop');
    if (!this.config.dpop.enabled || proof === undefined) return undefined;
    return this.check(proof, request.method, this.parHtu);
  }

  /** A proof's errors are the endpoint's 400s (`invalid_dpop_proof`, `use_dpop_nonce`). */
  private async check(proof: string, htm: string, htu: string): Promise<VerifiedDpopProof> {
    try {
      return await this.proofs.verify(proof, { htm, htu });
    } catch (error) {
      if (error instanceof DpopProofError)
        throw new OAuthException(error.code, error.description, 400, error.headers);
      throw error;
    }
  }

  /** Headers for a successful response: a fresh nonce when nonces are on (RFC 9449 §8.2). */
  responseHeaders(): Record<string, string> {
    const nonce = this.proofs.currentNonce();
    return nonce ? { 'DPoP-Nonce': nonce } : {};
  }
}
