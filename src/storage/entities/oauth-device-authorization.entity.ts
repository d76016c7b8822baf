import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { EpochMsColumn, HASH_LENGTH, ID_LENGTH, JsonColumn, StringColumn } from '../columns';

/** Where a device authorization stands: waiting for the user, or decided by them. */
export type DeviceAuthorizationStatus = 'pending' | 'approved' | 'denied';

/**
 * A device authorization request (RFC 8628 §3.1): the device polls with its device code, the
 * user decides through the user code. Both codes are stored only as hashes; the device code is
 * spent (tokens issued) at most once, through `consumedAt`.
 */
@Entity('oauth_device_authorizations')
export class OAuthDeviceAuthorization {
  @PrimaryColumn({ name: 'id', type: 'varchar', length: 36 })
  id: string;

  @Index({ unique: true })
  @StringColumn('device_code_hash', HASH_LENGTH)
  deviceCodeHash: string;

  /** Hash of the normalized user code (upper case, no separator). */
  @Index({ unique: true })
  @StringColumn('user_code_hash', HASH_LENGTH)
  userCodeHash: string;

  @StringColumn('client_id', ID_LENGTH)
  clientId: string;

  @JsonColumn('scopes')
  scopes: string[];

  /** RFC 8707 resource indicators of the request. */
  @JsonColumn('resources', { nullable: true })
  resources: string[] | null;

  @StringColumn('status', 16)
  status: DeviceAuthorizationStatus;

  /** The user who decided. */
  @StringColumn('subject', ID_LENGTH, { nullable: true })
  subject: string | null;

  /** OIDC auth_time of that user's sign-in, seconds since the epoch. */
  @EpochMsColumn('auth_time', { nullable: true })
  authTime: number | null;

  @StringColumn('acr', ID_LENGTH, { nullable: true })
  acr: string | null;

  /** OIDC `amr` of that user's sign-in (RFC 8176 method names). */
  @JsonColumn('amr', { nullable: true })
  amr: string[] | null;

  /** Seconds the device must wait between polls; grows by 5 at each `slow_down`. */
  @Column({ name: 'poll_interval', type: 'integer' })
  pollInterval: number;

  /** The earliest time of the next poll that is not too fast. */
  @EpochMsColumn('next_poll_at')
  nextPollAt: number;

  @Index()
  @EpochMsColumn('expires_at')
  expiresAt: number;

  /** When tokens were issued for it: the device code is spent. */
  @EpochMsColumn('consumed_at', { nullable: true })
  consumedAt: number | null;

  @EpochMsColumn('created_at')
  createdAt: number;
}
