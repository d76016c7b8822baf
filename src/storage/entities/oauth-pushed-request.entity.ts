import { Entity, Index, PrimaryColumn } from 'typeorm';
import type { AuthorizationRequest } from '../../interactions/authorization-request';
import { EpochMsColumn, HASH_LENGTH, ID_LENGTH, JsonColumn, StringColumn } from '../columns';

/**
 * A pushed authorization request (RFC 9126), validated when it was pushed, waiting for the
 * browser to bring its `request_uri` to the authorization endpoint. Bound to its client, short
 * lived, used once through `consumedAt`.
 */
@Entity('oauth_pushed_requests')
export class OAuthPushedRequest {
  /** SHA-256 of the `request_uri`: the URI itself is never stored. */
  @PrimaryColumn({ name: 'id', type: 'varchar', length: HASH_LENGTH })
  id: string;

  @StringColumn('client_id', ID_LENGTH)
  clientId: string;

  /**
   * The validated request, with anything checked only at the PAR endpoint (such as a DPoP key
   * binding) already in it: the authorization endpoint takes it as it is.
   */
  @JsonColumn('request')
  request: AuthorizationRequest;

  @Index()
  @EpochMsColumn('expires_at')
  expiresAt: number;

  @EpochMsColumn('consumed_at', { nullable: true })
  consumedAt: number | null;

  @EpochMsColumn('created_at')
  createdAt: number;
}
