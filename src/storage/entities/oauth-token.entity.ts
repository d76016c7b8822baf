import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import {
  EpochMsColumn,
  HASH_LENGTH,
  ID_LENGTH,
  JsonColumn,
  StringColumn,
  type StoredAuthorizationDetail,
} from '../columns';

/**
 * One issued access token and, when one was issued with it, its refresh token. Rows of one
 * authorization share a `familyId`; rotating a refresh token consumes this row's refresh token
 * and inserts the next row of the family.
 */
@Entity('oauth_tokens')
export class OAuthToken {
  /** The access token's `jti`. */
  @PrimaryColumn({ name: 'id', type: 'varchar', length: 36 })
  id: string;

  /** Hash of an opaque access token (null for JWT access tokens, which are found by jti). */
  @Index({ unique: true })
  @StringColumn('access_token_hash', HASH_LENGTH, { nullable: true })
  accessTokenHash: string | null;

  @Index({ unique: true })
  @StringColumn('refresh_token_hash', HASH_LENGTH, { nullable: true })
  refreshTokenHash: string | null;

  @Index()
  @StringColumn('client_id', ID_LENGTH)
  clientId: string;

  /** The user; null for client_credentials tokens. */
  @Index()
  @StringColumn('subject', ID_LENGTH, { nullable: true })
  subject: string | null;

  /** Scopes of the access token. */
  @JsonColumn('scopes')
  scopes: string[];

  /** Scopes of the refresh token: the whole authorization, even when the access token was narrowed. */
  @JsonColumn('refresh_scopes', { nullable: true })
  refreshScopes: string[] | null;

  /** RFC 9396 authorization details of the access token; null when it has none. */
  @JsonColumn('authorization_details', { nullable: true })
  authorizationDetails: StoredAuthorizationDetail[] | null;

  /** Authorization details of the refresh token: the whole grant, even when the access token was narrowed. */
  @JsonColumn('refresh_authorization_details', { nullable: true })
  refreshAuthorizationDetails: StoredAuthorizationDetail[] | null;

  @StringColumn('grant_type', ID_LENGTH)
  grantType: string;

  @Index()
  @StringColumn('family_id', 36)
  familyId: string;

  @Column({ name: 'refresh_count', type: 'integer', default: 0 })
  refreshCount: number;

  @JsonColumn('audience')
  audience: string[];

  @EpochMsColumn('issued_at')
  issuedAt: number;

  /** Access token expiry. */
  @Index()
  @EpochMsColumn('expires_at')
  expiresAt: number;

  /** Refresh token expiry: absolute for the family, rotation never extends it. */
  @EpochMsColumn('refresh_expires_at', { nullable: true })
  refreshExpiresAt: number | null;

  /** When this row's refresh token was rotated (used). Set once, atomically. */
  @EpochMsColumn('refresh_consumed_at', { nullable: true })
  refreshConsumedAt: number | null;

  @EpochMsColumn('revoked_at', { nullable: true })
  revokedAt: number | null;

  /** The authorization code this family came from, so a replayed code can revoke it. */
  @Index()
  @StringColumn('origin_code_id', 36, { nullable: true })
  originCodeId: string | null;

  /** OIDC auth_time carried through refreshes, seconds since the epoch. */
  @EpochMsColumn('auth_time', { nullable: true })
  authTime: number | null;

  /** OIDC `acr` of the sign-in the authorization came from, carried through refreshes. */
  @StringColumn('acr', ID_LENGTH, { nullable: true })
  acr: string | null;

  /** OIDC `amr` of that sign-in (RFC 8176 method names), carried through refreshes. */
  @JsonColumn('amr', { nullable: true })
  amr: string[] | null;

  /**
   * The DPoP key (SHA-256 JWK thumbprint, RFC 9449 §6) the access token is bound to; for a
   * public client, its refresh token too. Null for Bearer tokens.
   */
  @StringColumn('dpop_jkt', HASH_LENGTH, { nullable: true })
  dpopJkt: string | null;
}
