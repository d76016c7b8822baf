import { Entity, PrimaryColumn } from 'typeorm';
import type { JWK } from 'jose';
import type { StoredPrivateKey } from '../../keys/key-encryption';
import { EpochMsColumn, JsonColumn, StringColumn } from '../columns';

/**
 * `active` keys sign; `retiring` keys only verify (still in the JWKS) until retired;
 * `retired` keys are kept for the record but neither sign nor verify.
 */
export type SigningKeyStatus = 'active' | 'retiring' | 'retired';

@Entity('oauth_signing_keys')
export class OAuthSigningKey {
  @PrimaryColumn({ name: 'kid', type: 'varchar', length: 64 })
  kid: string;

  @StringColumn('alg', 16)
  alg: string;

  /** The private JWK, sealed under a key-encryption key when `keys.encryptionKeys` is set. */
  @JsonColumn('private_jwk')
  privateJwk: StoredPrivateKey;

  @JsonColumn('public_jwk')
  publicJwk: JWK;

  @StringColumn('status', 16)
  status: SigningKeyStatus;

  @EpochMsColumn('created_at')
  createdAt: number;

  @EpochMsColumn('rotated_at', { nullable: true })
  rotatedAt: number | null;

  @EpochMsColumn('retired_at', { nullable: true })
  retiredAt: number | null;
}
