import { constants, KeyObject, sign } from 'node:crypto';

/** The JWS algorithms we sign with and accept (never `none`, never HMAC). */
export const SIGNING_ALGORITHMS = ['RS256', 'PS256', 'ES256', 'EdDSA'];

/**
 * Compact JWS signing with node:crypto on a KeyObject, for the tokens we issue: the signature
 * is computed on libuv's thread pool (like WebCrypto's) but without jose's builder and WebCrypto
 * job overhead on the event loop. Verification stays with jose.
 */
export function signCompactJws(
  header: { alg: string; kid: string; typ?: string },
  payload: object,
  key: KeyObject,
): Promise<string> {
  const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(payload))}`;
  return new Promise((resolve, reject) => {
    const done = (error: Error | null, signature: Buffer) =>
      error ? reject(error) : resolve(`${signingInput}.${signature.toString('base64url')}`);
    const data = Buffer.from(signingInput);
    switch (header.alg) {
      case 'RS256':
        return sign('sha256', data, key, done);
      case 'PS256':
        return sign(
          'sha256',
          data,
          { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 },
          done,
        );
      case 'ES256':
        return sign('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, done);
      case 'EdDSA':
        return sign(null, data, key, done);
      default:
        reject(new Error(`Unsupported signing algorithm ${header.alg}.`));
    }
  });
}

function base64url(text: string): string {
  return Buffer.from(text).toString('base64url');
}
