import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A random, URL-safe string with `bytes` bytes of entropy (default 32 bytes = 256 bits). */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** SHA-256 of a secret, base64url: how codes, secrets and refresh tokens are stored at rest. */
export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}

/**
 * Constant-time string comparison. Both sides are hashed first so the comparison also
 * hides the length of the expected value.
 */
export function constantTimeEqual(a: string, b: string): boolean {
  const left = createHash('sha256').update(a).digest();
  const right = createHash('sha256').update(b).digest();
  return timingSafeEqual(left, right);
}

/**
 * True when `secret` hashes to `expectedHash`, compared in constant time. Both sides are
 * SHA-256 digests of the same (public) length, so no second hashing is needed to hide one.
 */
export function matchesHash(secret: string, expectedHash: string): boolean {
  const actual = Buffer.from(sha256(secret));
  const expected = Buffer.from(expectedHash);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
