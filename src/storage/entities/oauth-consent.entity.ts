import { Entity, PrimaryColumn, Unique } from 'typeorm';
import {
  EpochMsColumn,
  ID_LENGTH,
  JsonColumn,
  StringColumn,
  type StoredAuthorizationDetail,
} from '../columns';

/** Remembered consent: the scopes a user granted to a client. */
@Entity('oauth_consents')
@Unique('uq_oauth_consents_subject_client', ['subject', 'clientId'])
export class OAuthConsent {
  @PrimaryColumn({ name: 'id', type: 'varchar', length: 36 })
  id: string;

  @StringColumn('subject', ID_LENGTH)
  subject: string;

  @StringColumn('client_id', ID_LENGTH)
  clientId: string;

  @JsonColumn('scopes')
  scopes: string[];

  /** RFC 9396 details of reusable types the user granted the client (one-off ones never). */
  @JsonColumn('authorization_details', { nullable: true })
  authorizationDetails: StoredAuthorizationDetail[] | null;

  @EpochMsColumn('created_at')
  createdAt: number;

  @EpochMsColumn('updated_at')
  updatedAt: number;
}
