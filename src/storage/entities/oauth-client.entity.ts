import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { JSONWebKeySet } from 'jose';
import {
  EpochMsColumn,
  HASH_LENGTH,
  ID_LENGTH,
  JsonColumn,
  StringColumn,
  URL_LENGTH,
} from '../columns';

export type ClientType = 'confidential' | 'public';

/** A registered application. Its secret exists only as a SHA-256 hash. */
@Entity('oauth_clients')
export class OAuthClient {
  @PrimaryColumn({ name: 'client_id', type: 'varchar', length: ID_LENGTH })
  clientId: string;

  @StringColumn('client_secret_hash', HASH_LENGTH, { nullable: true })
  clientSecretHash: string | null;

  @StringColumn('client_type', 16)
  clientType: ClientType;

  @StringColumn('name', 200)
  name: string;

  @StringColumn('website', URL_LENGTH, { nullable: true })
  website: string | null;

  @JsonColumn('redirect_uris')
  redirectUris: string[];

  @JsonColumn('grant_types')
  grantTypes: string[];

  @JsonColumn('scopes')
  scopes: string[];

  @StringColumn('token_endpoint_auth_method', 32)
  tokenEndpointAuthMethod: string;

  /** Public keys for `private_key_jwt` (RFC 7523). */
  @JsonColumn('jwks', { nullable: true })
  jwks: JSONWebKeySet | null;

  /** RFC 9449 §5.2: every token request must carry a DPoP proof (only DPoP-bound tokens). */
  @Column({ name: 'dpop_bound_access_tokens', type: 'boolean', default: false })
  dpopBoundAccessTokens: boolean;

  /** Trusted first-party apps may skip consent when the server allows it. */
  @Column({ name: 'first_party', type: 'boolean', default: false })
  firstParty: boolean;

  /** RFC 9396 §10: the authorization details types the client may request; null: any. */
  @JsonColumn('authorization_details_types', { nullable: true })
  authorizationDetailsTypes: string[] | null;

  /** RFC 9126 §6: this client's authorization requests must come through the PAR endpoint. */
  @Column({ name: 'require_pushed_authorization_requests', type: 'boolean', default: false })
  requirePushedAuthorizationRequests: boolean;

  /**
   * OpenID Connect RP-Initiated Logout §3.1: where the end-session endpoint may send the browser
   * after a logout, matched exactly. Null (none) for clients registered before logout existed.
   */
  @JsonColumn('post_logout_redirect_uris', { nullable: true })
  postLogoutRedirectUris: string[] | null;

  /** OpenID Connect Back-Channel Logout §2.2: where logout tokens are POSTed, or null. */
  @StringColumn('backchannel_logout_uri', URL_LENGTH, { nullable: true })
  backchannelLogoutUri: string | null;

  /** Who manages the client (e.g. the developer portal user); free-form. */
  @StringColumn('owner', ID_LENGTH, { nullable: true })
  owner: string | null;

  /** RFC 7592 registration access token, hashed; set for dynamically registered clients. */
  @StringColumn('registration_access_token_hash', HASH_LENGTH, { nullable: true })
  registrationAccessTokenHash: string | null;

  @EpochMsColumn('created_at')
  createdAt: number;

  @EpochMsColumn('updated_at')
  updatedAt: number;
}
