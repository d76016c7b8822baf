import { constants, KeyObject, sign } from 'node:crypto';
import { SigningKeyError } from '../errors/oauth-server.error';
import { FAPI2_ALGORITHMS } from '../options/fapi2-profile';

/** The JWS algorithms we sign with and accept (never `none`, never HMAC). */
export const SIGNING_ALGORITHMS = ['RS256', 'PS256', 'ES256', 'EdDSA'];

/** Algorithms a client may sign its assertions with: FAPI 2.0's own list under the profile. */
export function clientAssertionAlgorithms(profile: string | undefined): string[] {
  return profile === 'fapi2' ? [...FAPI2_ALGORITHMS] : SIGNING_ALGORITHMS;
}

/**
 * What signs: an in-process private key, or (for `keys.signer`) a function that has an external
 * signer sign the JWS signing input and returns the signature bytes.
 */
export interface JwsSigningKey {
  privateKey?: KeyObject;
  remoteSign?: (signingInput: Uint8Array) => Promise<Uint8Array>;
}

/** Signature lengths JWS fixes (RFC 7518 §3.4, RFC 8037 §3.1): a DER ECDSA signature is refused. */
const FIXED_SIGNATURE_LENGTHS: Record<string, number> = { ES256: 64, EdDSA: 64 };

/**
 * Compact JWS signing with node:crypto on a KeyObject, for the tokens we issue: the signature
 * is computed on libuv's thread pool (like WebCrypto's) but without jose's builder and WebCrypto
 * job overhead on the event loop. Verification stays with jose.
 */
export function signCompactJws(
  header: { alg: string; kid: string; typ?: string },
  payload: object,
  key: JwsSigningKey,
): Promise<string> {
  const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(payload))}`;
  if (key.remoteSign) return signRemotely(signingInput, header.alg, key.remoteSign);
  const privateKey = key.privateKey!;
  return new Promise((resolve, reject) => {
    const done = (error: Error | null, signature: Buffer) =>
      error ? reject(error) : resolve(`${signingInput}.${signature.toString('base64url')}`);
    const data = Buffer.from(signingInput);
    switch (header.alg) {
      case 'RS256':
        return sign('sha256', data, privateKey, done);
      case 'PS256':
        return sign(
          'sha256',
          data,
          { key: privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 },
          done,
        );
      case 'ES256':
        return sign('sha256', data, { key: privateKey, dsaEncoding: 'ieee-p1363' }, done);
      case 'EdDSA':
        return sign(null, data, privateKey, done);
      default:
        reject(new Error(`Unsupported signing algorithm ${header.alg}.`));
    }
  });
}

async function signRemotely(
  signingInput: string,
  alg: string,
  remoteSign: (signingInput: Uint8Array) => Promise<Uint8Array>,
): Promise<string> {
  const signature = await remoteSign(Buffer.from(signingInput));
  const expected = FIXED_SIGNATURE_LENGTHS[alg];
  if (!(signature instanceof Uint8Array) || (expected && signature.length !== expected)) {
    throw new SigningKeyError(
      `keys.signer returned ${signature instanceof Uint8Array ? `${signature.length} bytes` : 'no bytes'} for ${alg}` +
        (expected
          ? `: a JWS needs the raw ${expected}-byte signature (for ES256 R||S, not DER).`
          : '.'),
    );
  }
  return `${signingInput}.${Buffer.from(signature.buffer, signature.byteOffset, signature.length).toString('base64url')}`;
}

function base64url(text: string): string {
  return Buffer.from(text).toString('base64url');
}
