import { calculateJwkThumbprint, exportJWK, generateKeyPair, JWK } from 'jose';
import type { OAuthSigningKey } from '../storage/entities/oauth-signing-key.entity';

/** JWK members that carry private key material (RFC 7518 §6): never published or listed. */
const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

/** A row to store, its private key still in clear (seal it with `KeyEncryption` before storing). */
export type GeneratedSigningKey = OAuthSigningKey & { privateJwk: JWK };

/** A new `active` key for `alg`, as the row to store; its kid is its JWK thumbprint (RFC 7638). */
export async function generateSigningKey(alg: string, now: number): Promise<GeneratedSigningKey> {
  const { privateKey } = await generateKeyPair(alg, { extractable: true });
  const privateJwk = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint(privateJwk);
  return {
    kid,
    alg,
    privateJwk: { ...privateJwk, kid, alg },
    publicJwk: publicJwkOf(privateJwk, kid, alg),
    status: 'active',
    createdAt: now,
    rotatedAt: null,
    retiredAt: null,
  };
}

/** The public half of `jwk` as the JWKS publishes it: private members removed, kid, alg, use. */
export function publicJwkOf(jwk: JWK, kid: string, alg: string): JWK {
  const publicJwk: JWK = { ...jwk };
  for (const member of PRIVATE_JWK_MEMBERS) delete (publicJwk as Record<string, unknown>)[member];
  return { ...publicJwk, kid, alg, use: 'sig' };
}
