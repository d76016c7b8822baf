import { Injectable } from '@nestjs/common';
import {
  calculateJwkThumbprint,
  decodeProtectedHeader,
  EmbeddedJWK,
  JWK,
  jwtVerify,
  JWTPayload,
} from 'jose';
import { sha256 } from '../common/crypto';
import { nowSeconds } from '../common/time';
import { InjectOAuthConfig } from '../oauth.constants';
import type { OAuthConfig } from '../options/oauth-config';
import { ClientAssertionStore } from '../storage/stores/client-assertion.store';
import { DpopNonces } from './dpop-nonces';
import { DpopProofError } from './dpop-proof-error';
import { dpopTargetUri } from './dpop-target-uri';

/** What a proof must match: the request it came with and, at a resource, the token it presents. */
export interface DpopProofExpectations {
  /** The request's method. */
  htm: string;
  /** The request's public URL in `dpopTargetUri` form. */
  htu: string;
  /** At a protected resource: the access token (its hash is `ath`) and the key it is bound to. */
  accessToken?: { value: string; jkt: string };
}

/** A proof that passed: the SHA-256 JWK thumbprint (RFC 7638) of its key. */
export interface VerifiedDpopProof {
  jkt: string;
}

/** A proof is a few hundred bytes; an RSA 4096 key makes it about 1.5 KB. */
const MAX_PROOF_LENGTH = 8192;
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
/** Key members that only a private or symmetric JWK has. */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

/**
 * Checks a DPoP proof (RFC 9449 §4.3) for the token endpoint and protected resources: one
 * compact JWS, `typ: dpop+jwt`, an allow-listed asymmetric `alg`, a public `jwk` that verifies
 * the signature, `htm`/`htu` of this request, `iat` within `dpop.proofLifetime` (plus the clock
 * tolerance), `ath` and the bound key at a resource, the server nonce when `dpop.nonces` is on,
 * and a `jti` not seen before: it is recorded in the database (with the used client
 * assertions, under its own prefix), so a replay is refused by every instance.
 */
@Injectable()
export class DpopProofVerifier {
  private readonly nonces: DpopNonces | undefined;

  constructor(
    @InjectOAuthConfig() private readonly config: OAuthConfig,
    private readonly usedIds: ClientAssertionStore,
  ) {
    const { nonces, nonceSecret } = config.dpop;
    this.nonces = nonces && nonceSecret ? new DpopNonces(nonceSecret) : undefined;
  }

  /** The nonce to hand out with a response, when nonces are on. */
  currentNonce(): string | undefined {
    return this.nonces?.current(nowSeconds());
  }

  /** Verifies the `DPoP` header's value (undefined: none sent); throws DpopProofError. */
  async verify(
    proof: string | undefined,
    expected: DpopProofExpectations,
  ): Promise<VerifiedDpopProof> {
    if (proof === undefined || proof === '') throw invalid('A DPoP proof is required.');
    // Repeated headers arrive joined with ", ", which no compact JWS contains.
    if (proof.length > MAX_PROOF_LENGTH || !COMPACT_JWS.test(proof))
      throw invalid('The DPoP header must be exactly one compact JWS.');
    const jwk = this.checkHeader(proof);
    const payload = await this.checkSignature(proof);
    this.checkClaims(payload, expected);
    const jkt = await calculateJwkThumbprint(jwk, 'sha256');
    if (expected.accessToken && jkt !== expected.accessToken.jkt)
      throw invalid('The DPoP proof is not signed with the key the access token is bound to.');
    const now = nowSeconds();
    if (this.nonces && !this.nonces.isValid(payload.nonce, now)) {
      throw new DpopProofError(
        'use_dpop_nonce',
        'A DPoP nonce is required: use the one in the DPoP-Nonce header.',
        this.nonces.current(now),
      );
    }
    await this.rememberJti(jkt, payload.jti!, payload.iat!);
    return { jkt };
  }

  /** typ, alg and a public jwk (§4.3 items 4 to 7), before any signature work. */
  private checkHeader(proof: string): JWK {
    let header: ReturnType<typeof decodeProtectedHeader>;
    try {
      header = decodeProtectedHeader(proof);
    } catch {
      throw invalid('The DPoP proof is not a valid JWS.');
    }
    if (header.typ !== 'dpop+jwt') throw invalid('The DPoP proof must have typ dpop+jwt.');
    if (!this.config.dpop.algorithms.includes(header.alg as never)) {
      throw invalid(`The DPoP proof alg must be one of ${this.config.dpop.algorithms.join(', ')}.`);
    }
    const jwk = header.jwk;
    if (!jwk || typeof jwk !== 'object' || Array.isArray(jwk))
      throw invalid('The DPoP proof must carry its public key in jwk.');
    if (PRIVATE_MEMBERS.some((member) => member in jwk))
      throw invalid('The DPoP proof jwk must be a public key.');
    return jwk;
  }

  private async checkSignature(proof: string): Promise<JWTPayload> {
    try {
      // EmbeddedJWK verifies with the header's jwk and refuses anything but a public key.
      const { payload } = await jwtVerify(proof, EmbeddedJWK, {
        typ: 'dpop+jwt',
        algorithms: this.config.dpop.algorithms,
        clockTolerance: this.config.resourceServer.clockTolerance,
      });
      return payload;
    } catch {
      throw invalid('The DPoP proof signature or claims are invalid.');
    }
  }

  /** jti, htm, htu, iat and ath (§4.3 items 8 to 12, §7.1). */
  private checkClaims(payload: JWTPayload, expected: DpopProofExpectations): void {
    const { jti, htm, htu, iat } = payload;
    if (typeof jti !== 'string' || jti.length === 0 || jti.length > 256)
      throw invalid('The DPoP proof needs a jti.');
    if (htm !== expected.htm)
      throw invalid('The DPoP proof htm does not match the request method.');
    if (typeof htu !== 'string' || dpopTargetUri(htu) !== expected.htu)
      throw invalid('The DPoP proof htu does not match the request URL.');
    if (typeof iat !== 'number' || !Number.isFinite(iat))
      throw invalid('The DPoP proof needs an iat.');
    const now = nowSeconds();
    const tolerance = this.config.resourceServer.clockTolerance;
    if (iat > now + tolerance || iat < now - this.config.dpop.proofLifetime - tolerance)
      throw invalid('The DPoP proof iat is too old or in the future.');
    if (expected.accessToken && payload.ath !== sha256(expected.accessToken.value))
      throw invalid('The DPoP proof ath does not match the access token.');
  }

  /** Until the proof would be too old anyway; a second use fails on the primary key. */
  private async rememberJti(jkt: string, jti: string, iat: number): Promise<void> {
    const acceptedUntil =
      iat + this.config.dpop.proofLifetime + this.config.resourceServer.clockTolerance;
    if (!(await this.usedIds.remember(sha256(`dpop\n${jkt}\n${jti}`), (acceptedUntil + 1) * 1000)))
      throw invalid('The DPoP proof was already used (jti).');
  }
}

function invalid(description: string): DpopProofError {
  return new DpopProofError('invalid_dpop_proof', description);
}
