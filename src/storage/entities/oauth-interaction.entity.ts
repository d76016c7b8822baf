import { Entity, Index, PrimaryColumn } from 'typeorm';
import type { AuthorizationRequest } from '../../interactions/authorization-request';
import { EpochMsColumn, HASH_LENGTH, ID_LENGTH, JsonColumn, StringColumn } from '../columns';

/**
 * A pending authorization request waiting for the user (sign-in, consent). Stored server-side
 * so any app instance can finish it; bound to the browser that started it.
 */
@Entity('oauth_interactions')
export class OAuthInteraction {
  @PrimaryColumn({ name: 'id', type: 'varchar', length: 64 })
  id: string;

  /** The validated authorization request. */
  @JsonColumn('request')
  request: AuthorizationRequest;

  @StringColumn('subject', ID_LENGTH, { nullable: true })
  subject: string | null;

  /** Hash of the browser-binding cookie value. */
  @StringColumn('browser_binding_hash', HASH_LENGTH)
  browserBindingHash: string;

  @Index()
  @EpochMsColumn('expires_at')
  expiresAt: number;

  @EpochMsColumn('consumed_at', { nullable: true })
  consumedAt: number | null;

  @EpochMsColumn('created_at')
  createdAt: number;
}
