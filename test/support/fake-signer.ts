// A fake external signer (keys.signer) for the e2e specs.
import { constants, generateKeyPairSync, KeyObject, randomUUID, sign } from 'node:crypto';
import type { JWK } from 'jose';
import type { ExternalSigner, ExternalSignerKey, SigningAlgorithm } from '../../src';

/**
 * An in-process stand-in for a KMS or HSM: it holds node:crypto private keys and hands out only
 * public JWKs and signatures, as `keys.signer` asks.
 */
export class FakeSigner implements ExternalSigner {
  private readonly held = new Map<string, { alg: SigningAlgorithm; privateKey: KeyObject }>();
  private listed: ExternalSignerKey[] = [];
  /** Every sign() call, by kid. */
  readonly calls: string[] = [];

  constructor(algorithms: SigningAlgorithm[]) {
    for (const alg of algorithms) this.addKey(alg);
  }

  /** Makes a new key for `alg` the one that signs; the previous ones of `alg` are retiring. */
  addKey(alg: SigningAlgorithm): string {
    const { privateKey, publicKey } = generateKeyPair(alg);
    const kid = `kms-${alg}-${randomUUID()}`;
    this.held.set(kid, { alg, privateKey });
    this.listed = [
      { kid, alg, publicJwk: publicKey.export({ format: 'jwk' }) as JWK },
      ...this.listed.map((key) =>
        key.alg === alg ? { ...key, status: 'retiring' as const } : key,
      ),
    ];
    return kid;
  }

  keys(): Promise<ExternalSignerKey[]> {
    return Promise.resolve(this.listed.map((key) => ({ ...key })));
  }

  sign(kid: string, alg: SigningAlgorithm, signingInput: Uint8Array): Promise<Uint8Array> {
    const key = this.held.get(kid);
    if (!key || key.alg !== alg) return Promise.reject(new Error(`no ${alg} key ${kid}`));
    this.calls.push(kid);
    const data = Buffer.from(signingInput);
    switch (alg) {
      case 'RS256':
        return Promise.resolve(sign('sha256', data, key.privateKey));
      case 'PS256':
        return Promise.resolve(
          sign('sha256', data, {
            key: key.privateKey,
            padding: constants.RSA_PKCS1_PSS_PADDING,
            saltLength: 32,
          }),
        );
      case 'ES256':
        return Promise.resolve(
          sign('sha256', data, { key: key.privateKey, dsaEncoding: 'ieee-p1363' }),
        );
      case 'EdDSA':
        return Promise.resolve(sign(null, data, key.privateKey));
    }
  }
}

function generateKeyPair(alg: SigningAlgorithm): { privateKey: KeyObject; publicKey: KeyObject } {
  switch (alg) {
    case 'RS256':
    case 'PS256':
      return generateKeyPairSync('rsa', { modulusLength: 2048 });
    case 'ES256':
      return generateKeyPairSync('ec', { namedCurve: 'P-256' });
    case 'EdDSA':
      return generateKeyPairSync('ed25519');
  }
}
