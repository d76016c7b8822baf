import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { nowSeconds } from '../common/time';
import { signCompactJws } from '../keys/jws';
import { KeyRing } from '../keys/key-ring.service';
import { InjectOAuthConfig } from '../oauth.constants';
import type { OAuthConfig } from '../options/oauth-config';

export interface IdTokenInput {
  clientId: string;
  subject: string;
  accessToken: string;
  nonce?: string | null;
  authTime?: number | null;
  acr?: string | null;
  amr?: string[] | null;
}

/**
 * The algorithm of id_tokens: RS256 when the server holds an RS256 key (the OIDC default, which
 * every relying party supports), else the first configured one. Discovery advertises it.
 */
export function idTokenSigningAlgorithm(config: OAuthConfig): string {
  const algorithms = config.keys.algorithms;
  return algorithms.includes('RS256') ? 'RS256' : algorithms[0];
}

/**
 * OpenID Connect Core §2 id_tokens, signed with `idTokenSigningAlgorithm`. With the code flow,
 * profile and email claims are served by userinfo (§5.4).
 */
@Injectable()
export class IdTokenService {
  constructor(
    @InjectOAuthConfig() private readonly config: OAuthConfig,
    private readonly ring: KeyRing,
  ) {}

  async sign(input: IdTokenInput): Promise<string> {
    const key = this.ring.signingKey(idTokenSigningAlgorithm(this.config));
    const now = nowSeconds();
    return signCompactJws(
      { alg: key.alg, kid: key.kid, typ: 'JWT' },
      {
        at_hash: atHash(input.accessToken, key.alg),
        ...(input.nonce ? { nonce: input.nonce } : {}),
        ...(input.authTime ? { auth_time: input.authTime } : {}),
        ...(input.acr ? { acr: input.acr } : {}),
        ...(input.amr?.length ? { amr: input.amr } : {}),
        azp: input.clientId,
        iss: this.config.issuer,
        sub: input.subject,
        aud: input.clientId,
        iat: now,
        exp: now + this.config.idTokenTtl,
      },
      key,
    );
  }
}

/** OIDC Core §3.1.3.6: left half of the hash of the access token, base64url. */
function atHash(accessToken: string, alg: string): string {
  const digest = createHash(alg === 'EdDSA' ? 'sha512' : 'sha256')
    .update(accessToken)
    .digest();
  return digest.subarray(0, digest.length / 2).toString('base64url');
}
