import type { AuthorizationDetail } from '../options/authorization-detail-type';

/**
 * The token endpoint's success response: RFC 6749 §5.1 plus the fields our product documents
 * name (`status`, `refresh_token_expires_in`, `refresh_token_issued_at`, `refresh_count`).
 */
export interface TokenResponse {
  /** `DPoP` for a token bound to a DPoP key (RFC 9449 §5), else `Bearer`. */
  token_type: 'Bearer' | 'DPoP';
  access_token: string;
  /** Seconds until the access token expires. */
  expires_in: number;
  /** The granted scopes, space-separated. */
  scope: string;
  /** Always `approved` for an issued token. */
  status: 'approved';
  refresh_token?: string;
  /** Seconds until the refresh token (its family) expires. */
  refresh_token_expires_in?: number;
  /** When this refresh token was issued, seconds since the epoch. */
  refresh_token_issued_at?: number;
  /** 0 on first issue, +1 on each refresh. */
  refresh_count?: number;
  id_token?: string;
  /** RFC 9396 §7: the authorization details granted to the access token. */
  authorization_details?: AuthorizationDetail[];
}
