import { Injectable } from '@nestjs/common';
import { decodeProtectedHeader, jwtVerify, JWTPayload } from 'jose';
import { sha256 } from '../common/crypto';
import { parseScope } from '../common/scope';
import { nowMs } from '../common/time';
import { OAuthException } from '../errors/oauth.exception';
import { KeyStore } from '../keys/key-store.service';
import { InjectOAuthConfig } from '../oauth.constants';
import type { OAuthConfig } from '../options/oauth-config';
import type { OAuthToken } from '../tokens/oauth-token.entity';
import { TokenRepository } from '../tokens/token.repository';
import type { VerifiedAccessToken } from './verified-access-token';

/**
 * Verifies access tokens for the host's routes. JWTs (RFC 9068): signature by a key of our key
 * store, allow-listed algorithm (never `none` or HMAC), `typ: at+jwt`, iss, aud, exp/nbf with
 * leeway. In `strict` mode the token's row must also exist and not be revoked. Opaque tokens
 * are always looked up.
 */
@Injectable()
export class AccessTokenVerifier {
  constructor(
    @InjectOAuthConfig() private readonly config: OAuthConfig,
    private readonly keyStore: KeyStore,
    private readonly tokens: TokenRepository,
  ) {}

  async verify(token: string): Promise<VerifiedAccessToken> {
    if (this.config.accessTokenFormat === 'opaque' || token.split('.').length !== 3) return this.verifyOpaque(token);
    const payload = await this.verifySignature(token);
    const verified = fromClaims(payload);
    if (this.config.resourceServer.revocationCheck === 'strict') {
      const row = await this.tokens.findById(verified.id);
      if (!row || row.revokedAt !== null || row.clientId !== verified.clientId) throw this.invalid('The access token was revoked.');
    }
    return verified;
  }

  private async verifySignature(token: string): Promise<JWTPayload> {
    let kid: string | undefined;
    let alg: string | undefined;
    try {
      ({ kid, alg } = decodeProtectedHeader(token));
    } catch {
      throw this.invalid('The access token is malformed.');
    }
    const key = kid ? await this.keyStore.verificationKey(kid) : undefined;
    if (!key || alg !== key.alg) throw this.invalid('The access token is not signed by this server.');
    try {
      const { payload } = await jwtVerify(token, key.publicKey, {
        algorithms: [key.alg],
        typ: 'at+jwt',
        issuer: this.config.issuer,
        audience: this.config.accessTokenAudience,
        clockTolerance: this.config.resourceServer.clockTolerance,
        requiredClaims: ['jti', 'exp', 'iat', 'sub', 'client_id'],
      });
      return payload;
    } catch {
      throw this.invalid('The access token is invalid or expired.');
    }
  }

  private async verifyOpaque(token: string): Promise<VerifiedAccessToken> {
    if (this.config.accessTokenFormat !== 'opaque') throw this.invalid('The access token is malformed.');
    const row = await this.tokens.findByAccessTokenHash(sha256(token));
    if (!row || row.revokedAt !== null) throw this.invalid('The access token is invalid.');
    if (row.expiresAt + this.config.resourceServer.clockTolerance * 1000 <= nowMs()) {
      throw this.invalid('The access token has expired.');
    }
    return fromRow(row);
  }

  private invalid(description: string): OAuthException {
    return OAuthException.invalidToken(description, this.config.resourceServer.realm);
  }
}

function fromClaims(payload: JWTPayload): VerifiedAccessToken {
  const clientId = payload.client_id as string;
  return {
    id: payload.jti!,
    // RFC 9068 §2.2: a token without a user carries the client's id as sub.
    userId: payload.sub === clientId ? null : payload.sub!,
    clientId,
    scopes: parseScope(payload.scope as string | undefined),
    audience: typeof payload.aud === 'string' ? [payload.aud] : (payload.aud ?? []),
    issuedAt: payload.iat!,
    expiresAt: payload.exp!,
    ...(typeof payload.auth_time === 'number' ? { authTime: payload.auth_time } : {}),
  };
}

function fromRow(row: OAuthToken): VerifiedAccessToken {
  return {
    id: row.id,
    userId: row.subject,
    clientId: row.clientId,
    scopes: row.scopes,
    audience: row.audience,
    issuedAt: Math.floor(row.issuedAt / 1000),
    expiresAt: Math.floor(row.expiresAt / 1000),
    ...(row.authTime ? { authTime: row.authTime } : {}),
  };
}
