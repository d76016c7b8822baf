import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager, ObjectLiteral } from 'typeorm';
import { randomToken, sha256 } from '../common/crypto';
import { formatScope } from '../common/scope';
import { nowMs, secondsToMs } from '../common/time';
import { OAuthEvents } from '../events/oauth-events';
import { signCompactJws } from '../keys/jws';
import { KeyRing } from '../keys/key-ring.service';
import { InjectOAuthConfig, InjectOAuthDataSource } from '../oauth.constants';
import type { OAuthConfig } from '../options/oauth-config';
import type { Spend } from '../storage/spend';
import { OAuthToken } from '../storage/entities/oauth-token.entity';
import type { TokenResponse } from './token-response';
import { TokenRepository } from './token.repository';

/** What a grant decided; the issuer turns it into tokens and a stored row. */
export interface TokenGrantDecision {
  clientId: string;
  /** The user, or null for tokens an application holds for itself (client_credentials). */
  subject: string | null;
  /** Scopes of the access token. */
  scopes: string[];
  /** Scopes of the refresh token when they differ (a narrowed refresh). Default: `scopes`. */
  refreshScopes?: string[];
  grantType: string;
  audience?: string[];
  /** Issue a refresh token with the access token. */
  withRefreshToken: boolean;
  /** Continue an existing family (refresh) instead of starting one. */
  family?: { id: string; refreshCount: number; refreshExpiresAt: number };
  originCodeId?: string | null;
  /** OIDC auth_time, seconds since the epoch. */
  authTime?: number | null;
}

export interface IssuedTokens {
  response: TokenResponse;
  row: OAuthToken;
}

/** Tokens made but not stored yet (TokenIssuer.prepare); storing them makes them valid. */
export interface PreparedTokens extends IssuedTokens {
  /** Continues a family (a refresh) rather than starting one. */
  refreshed: boolean;
}

/** Creates access (RFC 9068 JWT or opaque) and refresh tokens and stores their row. */
@Injectable()
export class TokenIssuer {
  constructor(
    @InjectOAuthConfig() private readonly config: OAuthConfig,
    @InjectOAuthDataSource() private readonly dataSource: DataSource,
    private readonly ring: KeyRing,
    private readonly events: OAuthEvents,
    private readonly tokens: TokenRepository,
  ) {}

  /** Issues tokens; pass `manager` to write inside the caller's transaction. */
  async issue(
    decision: TokenGrantDecision,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<IssuedTokens> {
    return this.store(await this.prepare(decision), manager);
  }

  /**
   * Makes the tokens (the access token is signed here) and their row, without storing them.
   * Grants that spend something (a code, a refresh token) prepare first and then call
   * `storeIfSpent`, so no signature is computed while a row lock (or, on SQLite, the one
   * connection) is held.
   */
  async prepare(decision: TokenGrantDecision): Promise<PreparedTokens> {
    const now = nowMs();
    const id = randomUUID();
    const audience = decision.audience ?? [this.config.accessTokenAudience];
    const expiresAt = now + secondsToMs(this.config.accessTokenTtl);
    const opaque = this.config.accessTokenFormat === 'opaque';
    const accessToken = opaque
      ? randomToken()
      : await this.signAccessToken(decision, id, audience, now, expiresAt);
    const refreshToken = decision.withRefreshToken ? randomToken() : undefined;
    const refreshExpiresAt = decision.withRefreshToken
      ? (decision.family?.refreshExpiresAt ?? now + secondsToMs(this.config.refreshTokenTtl))
      : null;
    const refreshCount = decision.family ? decision.family.refreshCount + 1 : 0;

    const row = this.dataSource.manager.create(OAuthToken, {
      id,
      accessTokenHash: opaque ? sha256(accessToken) : null,
      refreshTokenHash: refreshToken ? sha256(refreshToken) : null,
      clientId: decision.clientId,
      subject: decision.subject,
      scopes: decision.scopes,
      refreshScopes: refreshToken ? (decision.refreshScopes ?? decision.scopes) : null,
      grantType: decision.grantType,
      familyId: decision.family?.id ?? id,
      refreshCount,
      audience,
      issuedAt: now,
      expiresAt,
      refreshExpiresAt,
      refreshConsumedAt: null,
      revokedAt: null,
      originCodeId: decision.originCodeId ?? null,
      authTime: decision.authTime ?? null,
    });

    const response: TokenResponse = {
      token_type: 'Bearer',
      access_token: accessToken,
      expires_in: this.config.accessTokenTtl,
      scope: formatScope(decision.scopes),
      status: 'approved',
    };
    if (refreshToken && refreshExpiresAt !== null) {
      response.refresh_token = refreshToken;
      response.refresh_token_expires_in = Math.max(0, Math.floor((refreshExpiresAt - now) / 1000));
      response.refresh_token_issued_at = Math.floor(now / 1000);
      response.refresh_count = refreshCount;
    }
    return { response, row, refreshed: !!decision.family };
  }

  /** Stores prepared tokens' row (in `manager`'s transaction when given) and announces them. */
  async store(
    prepared: PreparedTokens,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<IssuedTokens> {
    await this.tokens.insert(prepared.row, manager);
    return this.announce(prepared);
  }

  /**
   * Stores prepared tokens while spending what they were issued for (an authorization code, a
   * refresh token), both or neither. Null when that was spent before (a replay or reuse): then
   * nothing is stored.
   */
  async storeIfSpent<S extends ObjectLiteral>(
    prepared: PreparedTokens,
    spend: Spend<S>,
  ): Promise<IssuedTokens | null> {
    if (!(await this.tokens.insertIfSpent(spend, prepared.row))) return null;
    return this.announce(prepared);
  }

  private announce({ row, response, refreshed }: PreparedTokens): IssuedTokens {
    this.events.emit(
      refreshed
        ? {
            type: 'token.refreshed',
            clientId: row.clientId,
            subject: row.subject,
            tokenId: row.id,
            familyId: row.familyId,
            refreshCount: row.refreshCount,
          }
        : {
            type: 'token.issued',
            clientId: row.clientId,
            subject: row.subject,
            grantType: row.grantType,
            scopes: row.scopes,
            tokenId: row.id,
            familyId: row.familyId,
          },
    );
    return { response, row };
  }

  /** RFC 9068 access token. */
  private async signAccessToken(
    decision: TokenGrantDecision,
    jti: string,
    audience: string[],
    now: number,
    expiresAt: number,
  ): Promise<string> {
    const key = this.ring.signingKey();
    return signCompactJws(
      { alg: key.alg, kid: key.kid, typ: 'at+jwt' },
      {
        client_id: decision.clientId,
        scope: formatScope(decision.scopes),
        ...(decision.authTime ? { auth_time: decision.authTime } : {}),
        iss: this.config.issuer,
        // RFC 9068 §2.2: for tokens without a user, sub is the client's id.
        sub: decision.subject ?? decision.clientId,
        aud: audience.length === 1 ? audience[0] : audience,
        jti,
        iat: Math.floor(now / 1000),
        exp: Math.floor(expiresAt / 1000),
      },
      key.privateKey,
    );
  }
}
