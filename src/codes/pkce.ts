import { constantTimeEqual, sha256 } from '../common/crypto';

/** RFC 7636 §4.1: 43-128 characters of [A-Z a-z 0-9 - . _ ~]. */
export const CODE_VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;
/** An S256 challenge is a base64url SHA-256: 43 characters. */
export const S256_CHALLENGE = /^[A-Za-z0-9\-_]{43}$/;

/** True when `verifier` answers `challenge` (RFC 7636 §4.6), compared in constant time. */
export function verifierMatches(verifier: string, challenge: string, method: string): boolean {
  if (!CODE_VERIFIER.test(verifier)) return false;
  const derived = method === 'S256' ? sha256(verifier) : verifier;
  return constantTimeEqual(derived, challenge);
}
