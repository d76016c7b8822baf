import { Injectable } from '@nestjs/common';
import type { JWTPayload } from 'jose';
import { sha256 } from '../common/crypto';
import { parseScope } from '../common/scope';
import { nowMs } from '../common/time';
import { OAuthException } from '../errors/oauth.exception';
import { temporarilyUnavailable } from '../errors/temporarily-unavailable';
import { JwtFailure, JwtVerifier } from '../keys/jwt-verifier.service';
import { KeyRing } from '../keys/key-ring.service';
import { InjectOAuthConfig } from '../oauth.constants';
import type { OAuthConfig } from '../options/oauth-config';
import type { OAuthToken } from '../storage/entities/oauth-token.entity';
import { DatabaseHealthLog } from '../storage/database-health-log';
import { isDatabaseUnavailable } from '../storage/database-unavailable';
import { RevocationFeed } from '../storage/revocation-feed';
import { TokenStore } from '../storage/stores/token.store';
import type { VerifiedAccessToken } from './verified-access-token';
import type { AuthorizationDetail } from '../options/authorization-detail-type';
import { copyDetails } from '../authorization-details/authorization-details';

const FAILURE_DESCRIPTIONS: Record<JwtFailure, string> = {
  malformed: 'The access token is malformed.',
  not_ours: 'The access token is not signed by this server.',
  invalid: 'The access token is invalid or expired.',
};

interface VerifiedEntry {
  token: VerifiedAccessToken;
  kid: string;
  /** Until when re-verifying would still accept it: exp plus the clock tolerance, in ms. */
  acceptedUntilMs: number;
}

/**
 * Verifies access tokens for the host's routes. JWTs (RFC 9068): signature by one of our keys,
 * allow-listed algorithm (never `none` or HMAC), `typ: at+jwt`, iss, aud, exp/nbf with leeway.
 * In `strict` mode the token's row must also exist and not be revoked. Opaque tokens are always
 * looked up. While the database cannot be reached, a token that needs it is neither accepted nor
 * called invalid: 503 `temporarily_unavailable` with Retry-After.
 */
@Injectable()
export class AccessTokenVerifier {
  /**
   * JWTs whose signature and claims were verified, by their exact string, until they expire:
   * a token presented again skips signature verification. Only successes are remembered; an
   * entry is dropped when its signing key is no longer usable. The revocation check (strict
   * mode) is never cached.
   */
  private readonly verified = new Map<string, VerifiedEntry>();

  /** @internal Nest constructs it with internal services: inject it instead. */
  constructor(
    @InjectOAuthConfig() private readonly config: OAuthConfig,
    private readonly jwts: JwtVerifier,
    private readonly ring: KeyRing,
    private readonly tokens: TokenStore,
    private readonly health: DatabaseHealthLog,
    private readonly revocations: RevocationFeed,
  ) {}

  /**
   * Token ids (with their client) whose row was read live under the feed's current epoch: while
   * the feed is live, the strict check needs no read for them. Emptied when the epoch changes.
   */
  private readonly knownLive = new Map<string, string>();
  private knownLiveEpoch = -1;

  async verify(token: string): Promise<VerifiedAccessToken> {
    try {
      return await this.verifyToken(token);
    } catch (error) {
      if (!isDatabaseUnavailable(error)) throw error;
      this.health.reportUnavailable(error);
      throw temporarilyUnavailable();
    }
  }

  /**
   * The token's verification when it needs no I/O at all: a JWT verified before, and (strict
   * mode) known live since the last possible revocation (see RevocationFeed). Undefined when
   * `verify` must run. Lets the guard answer without a promise on the hot path.
   * @internal
   */
  remembered(token: string): VerifiedAccessToken | undefined {
    if (this.config.accessTokenFormat === 'opaque' || !isCompactJws(token)) return undefined;
    const strict = this.config.resourceServer.revocationCheck === 'strict';
    // Without a live feed every strict check reads the row: no need to look in the cache here.
    if (strict && !this.revocations.isLive()) return undefined;
    const verified = this.fromCache(token);
    if (!verified) return undefined;
    if (strict && !this.isKnownLive(verified)) return undefined;
    return verified;
  }

  private async verifyToken(token: string): Promise<VerifiedAccessToken> {
    if (this.config.accessTokenFormat === 'opaque' || !isCompactJws(token))
      return this.verifyOpaque(token);
    const verified = this.fromCache(token) ?? (await this.verifyAndRemember(token));
    if (this.config.resourceServer.revocationCheck === 'strict')
      await this.checkNotRevoked(verified);
    return verified;
  }

  /**
   * The strict check: the token's row exists, is the client's and is not revoked. Read on every
   * request, unless the revocation feed is live and the row was read live since the last
   * possible revocation anywhere (PostgreSQL, see PostgresRevocationFeed).
   */
  private async checkNotRevoked(verified: VerifiedAccessToken): Promise<void> {
    const live = this.revocations.isLive();
    // Read once (on SQLite it is a statement): the same epoch decides the lookup and the remembering.
    const epoch = live ? this.currentEpoch() : undefined;
    if (live && this.knownLive.get(verified.id) === verified.clientId) return;
    const row = await this.tokens.findRevocationStatus(verified.id);
    if (!row || row.revokedAt !== null || row.clientId !== verified.clientId)
      throw this.invalid('The access token was revoked.');
    if (!live || this.revocations.epoch !== epoch) return;
    const capacity = this.config.resourceServer.verifiedTokenCacheSize;
    // A feed exists only with a cache to keep (capacity above 0): see store.providers.ts.
    if (this.knownLive.size >= capacity) this.knownLive.delete(this.knownLive.keys().next().value!);
    this.knownLive.set(verified.id, verified.clientId);
  }

  /** Read live under the feed's current epoch, while the feed is live. */
  private isKnownLive(verified: VerifiedAccessToken): boolean {
    if (!this.revocations.isLive()) return false;
    this.currentEpoch();
    return this.knownLive.get(verified.id) === verified.clientId;
  }

  /** The feed's epoch; what was remembered under an earlier one is forgotten. */
  private currentEpoch(): number {
    const epoch = this.revocations.epoch;
    if (epoch !== this.knownLiveEpoch) {
      this.knownLive.clear();
      this.knownLiveEpoch = epoch;
    }
    return epoch;
  }

  /** A copy of a remembered verification (so a handler cannot alter the cache), or undefined. */
  private fromCache(token: string): VerifiedAccessToken | undefined {
    const entry = this.verified.get(token);
    if (!entry) return undefined;
    if (entry.acceptedUntilMs <= nowMs() || !this.ring.isVerificationKey(entry.kid)) {
      this.verified.delete(token);
      return undefined;
    }
    return copyVerified(entry.token);
  }

  private async verifyAndRemember(token: string): Promise<VerifiedAccessToken> {
    const { payload, kid } = await this.verifySignature(token);
    const verified = fromClaims(payload);
    const capacity = this.config.resourceServer.verifiedTokenCacheSize;
    if (capacity === 0) return verified;
    if (this.verified.size >= capacity) this.verified.delete(this.verified.keys().next().value!);
    this.verified.set(token, {
      token: copyVerified(verified),
      kid,
      acceptedUntilMs: (verified.expiresAt + this.config.resourceServer.clockTolerance) * 1000,
    });
    return verified;
  }

  private async verifySignature(token: string): Promise<{ payload: JWTPayload; kid: string }> {
    const verified = await this.jwts.verify(token, {
      typ: 'at+jwt',
      issuer: this.config.issuer,
      audience: this.config.accessTokenAudience,
      clockTolerance: this.config.resourceServer.clockTolerance,
      requiredClaims: ['jti', 'exp', 'iat', 'sub', 'client_id'],
    });
    if ('failure' in verified) throw this.invalid(FAILURE_DESCRIPTIONS[verified.failure]);
    return verified;
  }

  private async verifyOpaque(token: string): Promise<VerifiedAccessToken> {
    if (this.config.accessTokenFormat !== 'opaque')
      throw this.invalid('The access token is malformed.');
    const row = await this.tokens.findByAccessTokenHash(sha256(token));
    if (!row || row.revokedAt !== null) throw this.invalid('The access token is invalid.');
    // Like a JWT's aud: a token issued for another resource (RFC 8707) is not valid here.
    if (!row.audience.includes(this.config.accessTokenAudience))
      throw this.invalid('The access token is not for this resource server.');
    if (row.expiresAt + this.config.resourceServer.clockTolerance * 1000 <= nowMs()) {
      throw this.invalid('The access token has expired.');
    }
    return fromRow(row);
  }

  private invalid(description: string): OAuthException {
    return OAuthException.invalidToken(description, this.config.resourceServer.realm);
  }
}

/** A copy a handler may alter without altering the cache (details are copied deeply). */
function copyVerified(token: VerifiedAccessToken): VerifiedAccessToken {
  return {
    ...token,
    scopes: [...token.scopes],
    audience: [...token.audience],
    ...(token.amr ? { amr: [...token.amr] } : {}),
    ...(token.authorizationDetails
      ? { authorizationDetails: copyDetails(token.authorizationDetails) }
      : {}),
  };
}

/** RFC 9396 §9.1 `authorization_details`, when the token has a well-formed one. */
function authorizationDetailsOf(claim: unknown): { authorizationDetails?: AuthorizationDetail[] } {
  if (
    !Array.isArray(claim) ||
    claim.length === 0 ||
    !claim.every(
      (detail) =>
        typeof detail === 'object' &&
        detail !== null &&
        !Array.isArray(detail) &&
        typeof (detail as { type?: unknown }).type === 'string',
    )
  )
    return {};
  return { authorizationDetails: claim as AuthorizationDetail[] };
}

/** Three dot-separated parts, counted without splitting a long string. */
function isCompactJws(token: string): boolean {
  const first = token.indexOf('.');
  const second = token.indexOf('.', first + 1);
  return first !== -1 && second !== -1 && token.indexOf('.', second + 1) === -1;
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
    ...(typeof payload.acr === 'string' ? { acr: payload.acr } : {}),
    ...(isStringArray(payload.amr) ? { amr: payload.amr } : {}),
    ...dpopBindingOf(payload.cnf),
    ...authorizationDetailsOf(payload.authorization_details),
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
    ...(row.acr ? { acr: row.acr } : {}),
    ...(row.amr?.length ? { amr: [...row.amr] } : {}),
    ...(row.dpopJkt ? { dpopJkt: row.dpopJkt } : {}),
    ...authorizationDetailsOf(row.authorizationDetails),
  };
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

/** RFC 9449 §6.1 `cnf.jkt`, when the token has one. */
function dpopBindingOf(cnf: unknown): { dpopJkt?: string } {
  const jkt = (cnf as { jkt?: unknown } | undefined)?.jkt;
  return typeof jkt === 'string' ? { dpopJkt: jkt } : {};
}
