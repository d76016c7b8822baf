import { Injectable } from '@nestjs/common';
import { sha256 } from '../common/crypto';
import { JwtVerifier } from '../keys/jwt-verifier.service';
import { InjectOAuthConfig } from '../oauth.constants';
import type { OAuthConfig } from '../options/oauth-config';
import type { OAuthToken } from '../storage/entities/oauth-token.entity';
import { TokenStore } from '../storage/stores/token.store';

export interface FoundToken {
  kind: 'access_token' | 'refresh_token';
  row: OAuthToken;
}

/** When the presented token (not its row's other half) expires, in epoch ms; null if never issued. */
export function expiresAtOf({ kind, row }: FoundToken): number | null {
  return kind === 'refresh_token' ? row.refreshExpiresAt : row.expiresAt;
}

/**
 * Finds the row of a token string presented to revocation or introspection: refresh tokens and
 * opaque access tokens by hash, JWT access tokens by `jti` after checking our signature (so an
 * unsigned or foreign JWT never reaches the database). Expiry is the caller's business.
 */
@Injectable()
export class TokenLookup {
  constructor(
    @InjectOAuthConfig() private readonly config: OAuthConfig,
    private readonly jwts: JwtVerifier,
    private readonly tokens: TokenStore,
  ) {}

  async find(token: string, hint?: string): Promise<FoundToken | null> {
    const order =
      hint === 'refresh_token' ? [this.asRefresh, this.asAccess] : [this.asAccess, this.asRefresh];
    for (const lookup of order) {
      const found = await lookup.call(this, token);
      if (found) return found;
    }
    return null;
  }

  private async asRefresh(token: string): Promise<FoundToken | null> {
    const row = await this.tokens.findByRefreshTokenHash(sha256(token));
    return row ? { kind: 'refresh_token', row } : null;
  }

  private async asAccess(token: string): Promise<FoundToken | null> {
    if (token.split('.').length !== 3) {
      // With JWT access tokens an opaque string is no access token (the guard refuses it too).
      if (this.config.accessTokenFormat !== 'opaque') return null;
      const row = await this.tokens.findByAccessTokenHash(sha256(token));
      return row ? { kind: 'access_token', row } : null;
    }
    const verified = await this.jwts.verify(token, {
      typ: 'at+jwt',
      issuer: this.config.issuer,
      // Expired tokens are still found (revocation of an expired token is a no-op anyway).
      currentDate: new Date(0),
    });
    if ('failure' in verified || !verified.payload.jti) return null;
    const row = await this.tokens.findById(verified.payload.jti);
    return row ? { kind: 'access_token', row } : null;
  }
}
