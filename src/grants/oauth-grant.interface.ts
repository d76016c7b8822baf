import type { ClientView } from '../clients/client.service';
import type { OAuthHttpRequest } from '../http/http-request';
import type { TokenResponse } from '../tokens/token-response';

/** One token request, after the client has been authenticated. */
export interface TokenRequest {
  /** The `grant_type` parameter. */
  grantType: string;
  /** The form parameters, each a single string (duplicates were refused). */
  params: Record<string, string>;
  /** The authenticated client. */
  client: ClientView;
  /** How the client authenticated; `none` for public clients. */
  authMethod: string;
  /** The HTTP request, for headers a grant may need (`request.raw` is the adapter's own). */
  request: OAuthHttpRequest;
  /**
   * The request's DPoP proof (RFC 9449), already verified: pass `dpop?.jkt` as the decision's
   * `dpopJkt` to bind the tokens to its key. Undefined when no proof was sent.
   */
  dpop?: { jkt: string };
}

/**
 * A grant type of the token endpoint. Built-in grants implement it; a host adds its own by
 * providing a class tagged with `@OAuthGrant('urn:...')` (and listing the name in `grantTypes`).
 */
export interface OAuthGrantHandler {
  /** May public clients (no authentication) use this grant? */
  readonly allowsPublicClients: boolean;
  handle(request: TokenRequest): Promise<TokenResponse>;
}
