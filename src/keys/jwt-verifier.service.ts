import { Injectable } from '@nestjs/common';
import { decodeProtectedHeader, jwtVerify, JWTPayload, JWTVerifyOptions } from 'jose';
import { KeyRing } from './key-ring.service';

/** Why a JWT was refused: not a JWS, not signed by one of our keys, or a bad signature or claim. */
export type JwtFailure = 'malformed' | 'not_ours' | 'invalid';

/**
 * The one check of a JWT against our keys, for everything that accepts our own tokens back
 * (the resource guard, revocation, introspection): the key named by its `kid`, with that key's
 * own algorithm only (never `none` or HMAC), then jose's claim checks.
 */
@Injectable()
export class JwtVerifier {
  constructor(private readonly ring: KeyRing) {}

  /** `checks` are jose's claim checks; a failure says which kind it was. */
  async verify(
    token: string,
    checks: Omit<JWTVerifyOptions, 'algorithms'>,
  ): Promise<{ payload: JWTPayload; kid: string } | { failure: JwtFailure }> {
    let header: { kid?: string; alg?: string };
    try {
      header = decodeProtectedHeader(token);
    } catch {
      return { failure: 'malformed' };
    }
    const key = header.kid ? await this.ring.verificationKey(header.kid) : undefined;
    if (!key || header.alg !== key.alg) return { failure: 'not_ours' };
    try {
      const { payload } = await jwtVerify(token, key.publicKey, {
        ...checks,
        algorithms: [key.alg],
      });
      return { payload, kid: key.kid };
    } catch {
      return { failure: 'invalid' };
    }
  }
}
