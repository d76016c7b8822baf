import { Entity, Index, PrimaryColumn } from 'typeorm';
import {
  EpochMsColumn,
  HASH_LENGTH,
  ID_LENGTH,
  JsonColumn,
  StringColumn,
  URL_LENGTH,
  type StoredAuthorizationDetail,
} from '../columns';

/** An issued authorization code, stored by hash; single use is enforced through `consumedAt`. */
@Entity('oauth_authorization_codes')
export class OAuthAuthorizationCode {
  @PrimaryColumn({ name: 'id', type: 'varchar', length: 36 })
  id: string;

  @Index({ unique: true })
  @StringColumn('code_hash', HASH_LENGTH)
  codeHash: string;

  @StringColumn('client_id', ID_LENGTH)
  clientId: string;

  @StringColumn('subject', ID_LENGTH)
  subject: string;

  @StringColumn('redirect_uri', URL_LENGTH)
  redirectUri: string;

  @JsonColumn('scopes')
  scopes: string[];

  @StringColumn('code_challenge', 128, { nullable: true })
  codeChallenge: string | null;

  @StringColumn('code_challenge_method', 8, { nullable: true })
  codeChallengeMethod: string | null;

  @StringColumn('nonce', 512, { nullable: true })
  nonce: string | null;

  /** OIDC auth_time, seconds since the epoch. */
  @EpochMsColumn('auth_time', { nullable: true })
  authTime: number | null;

  @StringColumn('acr', ID_LENGTH, { nullable: true })
  acr: string | null;

  /** OIDC `amr` of the sign-in (RFC 8176 method names). */
  @JsonColumn('amr', { nullable: true })
  amr: string[] | null;

  /** RFC 8707 resource indicators requested at the authorization endpoint. */
  @JsonColumn('resources', { nullable: true })
  resources: string[] | null;

  /** RFC 9396: the authorization details the user approved, as validated and stored at consent. */
  @JsonColumn('authorization_details', { nullable: true })
  authorizationDetails: StoredAuthorizationDetail[] | null;

  /** RFC 9449 §10: `dpop_jkt` of the authorization request; the exchange must prove this key. */
  @StringColumn('dpop_jkt', HASH_LENGTH, { nullable: true })
  dpopJkt: string | null;

  @Index()
  @EpochMsColumn('expires_at')
  expiresAt: number;

  @EpochMsColumn('consumed_at', { nullable: true })
  consumedAt: number | null;

  @EpochMsColumn('created_at')
  createdAt: number;
}
