import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { randomToken, sha256 } from '../common/crypto';
import { formatScope } from '../common/scope';
import { nowMs, secondsToMs } from '../common/time';
import { OAuthEvents } from '../events/oauth-events';
import { signCompactJws } from '../keys/jws';
import { KeyRing } from '../keys/key-ring.service';
import { InjectOAuthConfig } from '../oauth.constants';
import type { OAuthConfig } from '../options/oauth-config';
import type { OAuthToken } from '../storage/entities/oauth-token.entity';
import { TokenStore } from '../storage/stores/token.store';
import type { TokenGrantDecision } from './token-grant-decision';
import type { TokenResponse } from './token-response';
import { reusableDetails } from '../authorization-details/authorization-details';
import type { AuthorizationDetail } from '../options/authorization-detail-type';

const nonEmpty = (details: AuthorizationDetail[]) => (details.length > 0 ? details : null);

/** Tokens made but not stored yet; storing their row makes them valid. */
export interface PreparedTokens {
  response: TokenResponse;
  row: OAuthToken;
  /** Continues a family (a refresh) rather than starting one. */
  refreshed: boolean;
}

/**
 * Makes access (RFC 9068 JWT or opaque) and refresh tokens and their row, and stores them.
 * Grants that spend something (a code, a refresh token) prepare first and then store while
 * spending, so no signature is computed while a row lock (or, on SQLite, the one connection)
 * is held. Internal: hosts use TokenIssuer.
 */
@Injectable()
export class TokenFactory {
  constructor(
    @InjectOAuthConfig() private readonly config: OAuthConfig,
    private readonly keys: KeyRing,
    private readonly events: OAuthEvents,
    private readonly tokens: TokenStore,
  ) {}

  /** Makes the tokens (the access token is signed here) and their row, without storing them. */
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
    const details = decision.authorizationDetails?.length ? decision.authorizationDetails : null;

    const row: OAuthToken = {
      id,
      accessTokenHash: opaque ? sha256(accessToken) : null,
      refreshTokenHash: refreshToken ? sha256(refreshToken) : null,
      clientId: decision.clientId,
      subject: decision.subject,
      scopes: decision.scopes,
      refreshScopes: refreshToken ? (decision.refreshScopes ?? decision.scopes) : null,
      authorizationDetails: details,
      // One-off details (a payment) go to this access token only: a refresh token carrying them
      // would mint new access tokens, each a fresh chance to spend the same approval.
      refreshAuthorizationDetails: refreshToken
        ? nonEmpty(
            reusableDetails(
              decision.refreshAuthorizationDetails ?? details ?? undefined,
              this.config,
            ),
          )
        : null,
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
      acr: decision.acr ?? null,
      amr: decision.amr ?? null,
      dpopJkt: decision.dpopJkt ?? null,
    };

    const response: TokenResponse = {
      token_type: decision.dpopJkt ? 'DPoP' : 'Bearer',
      access_token: accessToken,
      expires_in: this.config.accessTokenTtl,
      scope: formatScope(decision.scopes),
      status: 'approved',
      // RFC 9396 §7: the details granted, as the access token carries them.
      ...(details ? { authorization_details: details } : {}),
    };
    if (refreshToken && refreshExpiresAt !== null) {
      response.refresh_token = refreshToken;
      response.refresh_token_expires_in = Math.max(0, Math.floor((refreshExpiresAt - now) / 1000));
      response.refresh_token_issued_at = Math.floor(now / 1000);
      response.refresh_count = refreshCount;
    }
    return { response, row, refreshed: !!decision.family };
  }

  /** Stores prepared tokens and announces them. */
  async store(prepared: PreparedTokens): Promise<PreparedTokens> {
    await this.tokens.insert(prepared.row);
    return this.announce(prepared);
  }

  /** Stores tokens while spending the code they were issued for; null when it was spent before. */
  async storeIfCodeSpent(prepared: PreparedTokens, codeId: string): Promise<PreparedTokens | null> {
    if (!(await this.tokens.insertIfCodeSpent(codeId, prepared.row, nowMs()))) return null;
    return this.announce(prepared);
  }

  /**
   * Stores tokens through `spendAndStore` (which spends what they are issued for, say a device
   * code, and stores the row, both or neither); null when it was spent before.
   */
  async storeIfSpent(
    prepared: PreparedTokens,
    spendAndStore: (row: OAuthToken) => Promise<boolean>,
  ): Promise<PreparedTokens | null> {
    if (!(await spendAndStore(prepared.row))) return null;
    return this.announce(prepared);
  }

  /** Stores tokens while spending the refresh token of row `previousId`; null when it was spent before. */
  async storeIfRefreshSpent(
    prepared: PreparedTokens,
    previousId: string,
  ): Promise<PreparedTokens | null> {
    if (!(await this.tokens.insertIfRefreshSpent(previousId, prepared.row, nowMs()))) return null;
    return this.announce(prepared);
  }

  /**
   * Stores tokens in place of the unused successor `successorId` (a retry after a lost response):
   * the successor is spent and revoked. Null when it was used or revoked before.
   */
  async storeIfRefreshSuperseded(
    prepared: PreparedTokens,
    successorId: string,
  ): Promise<PreparedTokens | null> {
    if (!(await this.tokens.insertIfRefreshSuperseded(successorId, prepared.row, nowMs()))) {
      return null;
    }
    return this.announce(prepared);
  }

  private announce(prepared: PreparedTokens): PreparedTokens {
    const { row, refreshed } = prepared;
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
    return prepared;
  }

  /** RFC 9068 access token. */
  private async signAccessToken(
    decision: TokenGrantDecision,
    jti: string,
    audience: string[],
    now: number,
    expiresAt: number,
  ): Promise<string> {
    const key = this.keys.signingKey();
    return signCompactJws(
      { alg: key.alg, kid: key.kid, typ: 'at+jwt' },
      {
        client_id: decision.clientId,
        scope: formatScope(decision.scopes),
        // RFC 9396 §9.1: the granted details as a top-level claim.
        ...(decision.authorizationDetails?.length
          ? { authorization_details: decision.authorizationDetails }
          : {}),
        // RFC 9068 §2.2.1: how the user signed in, for the resource server's RFC 9470 checks.
        ...(decision.authTime ? { auth_time: decision.authTime } : {}),
        ...(decision.acr ? { acr: decision.acr } : {}),
        ...(decision.amr?.length ? { amr: decision.amr } : {}),
        // RFC 9449 §6.1: the key the token is bound to.
        ...(decision.dpopJkt ? { cnf: { jkt: decision.dpopJkt } } : {}),
        iss: this.config.issuer,
        // RFC 9068 §2.2: for tokens without a user, sub is the client's id.
        sub: decision.subject ?? decision.clientId,
        aud: audience.length === 1 ? audience[0] : audience,
        jti,
        iat: Math.floor(now / 1000),
        exp: Math.floor(expiresAt / 1000),
      },
      key,
    );
  }
}
