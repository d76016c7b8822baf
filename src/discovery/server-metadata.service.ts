import { Injectable } from '@nestjs/common';
import { InjectOAuthConfig, OAUTH_PATHS } from '../oauth.constants';
import type { OAuthConfig } from '../options/oauth-config';
import { SCOPE_CLAIMS } from '../consent/scope-claims';
import { idTokenSigningAlgorithm } from '../tokens/id-token.service';
import { clientAssertionAlgorithms } from '../keys/jws';
import { DEVICE_CODE_GRANT } from '../options/grant-types';

/**
 * Authorization server metadata (RFC 8414) and the OpenID Provider metadata (OIDC Discovery),
 * built from the options: only what is enabled is advertised.
 */
@Injectable()
export class ServerMetadataService {
  private readonly metadata: Record<string, unknown>;
  private readonly openid: Record<string, unknown>;

  constructor(@InjectOAuthConfig() private readonly config: OAuthConfig) {
    this.metadata = this.build();
    this.openid = { ...this.metadata, ...this.openidFields() };
  }

  /** RFC 8414 metadata. */
  authorizationServer(): Record<string, unknown> {
    return this.metadata;
  }

  /** OIDC Discovery metadata: RFC 8414's plus the OpenID Provider fields. */
  openidConfiguration(): Record<string, unknown> {
    return this.openid;
  }

  private openidFields(): Record<string, unknown> {
    // The user claims userinfo can release: those of the standard scopes this server offers.
    const userClaims = Object.entries(SCOPE_CLAIMS)
      .filter(([scope]) => Object.hasOwn(this.config.scopes, scope))
      .flatMap(([, claims]) => claims);
    return {
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: [idTokenSigningAlgorithm(this.config)],
      claims_supported: [
        'sub',
        'iss',
        'aud',
        'exp',
        'iat',
        'auth_time',
        'nonce',
        'acr',
        'amr',
        'at_hash',
        ...userClaims,
      ],
      claims_parameter_supported: false,
      request_parameter_supported: false,
      // OIDC's request_uri is one the server fetches; a PAR request_uri (RFC 9126) is another thing.
      request_uri_parameter_supported: false,
    };
  }

  /**
   * RP-Initiated Logout §2.1 and Back-Channel Logout §2.1. Logout tokens name the user by `sub`
   * only: id_tokens carry no `sid` (docs/decisions.md, 26).
   */
  private logoutFields(): Record<string, unknown> {
    if (!this.config.logout.enabled) return {};
    return {
      end_session_endpoint: `${this.config.issuer}${OAUTH_PATHS.endSession}`,
      backchannel_logout_supported: true,
      backchannel_logout_session_supported: false,
    };
  }

  private build(): Record<string, unknown> {
    const { issuer, grantTypes, tokenEndpointAuthMethods, registration } = this.config;
    const url = (path: string) => `${issuer}${path}`;
    const codeFlow = grantTypes.includes('authorization_code');
    const signedAuthMethods = tokenEndpointAuthMethods.includes('private_key_jwt')
      ? {
          token_endpoint_auth_signing_alg_values_supported: clientAssertionAlgorithms(
            this.config.profile,
          ),
        }
      : {};
    // Public clients may revoke their own tokens (RFC 7009 §2.1); introspection needs a secret.
    const confidentialMethods = tokenEndpointAuthMethods.filter((method) => method !== 'none');
    return {
      issuer,
      ...(codeFlow ? { authorization_endpoint: url(OAUTH_PATHS.authorize) } : {}),
      token_endpoint: url(OAUTH_PATHS.token),
      jwks_uri: url(OAUTH_PATHS.jwks),
      ...(registration.enabled ? { registration_endpoint: url(OAUTH_PATHS.registration) } : {}),
      ...(grantTypes.includes(DEVICE_CODE_GRANT)
        ? { device_authorization_endpoint: url(OAUTH_PATHS.deviceAuthorization) }
        : {}),
      revocation_endpoint: url(OAUTH_PATHS.revocation),
      introspection_endpoint: url(OAUTH_PATHS.introspection),
      ...(codeFlow ? { userinfo_endpoint: url(OAUTH_PATHS.userinfo) } : {}),
      scopes_supported: Object.keys(this.config.scopes),
      // RFC 9396 §10: only when the host declared types.
      ...(Object.keys(this.config.authorizationDetailsTypes).length > 0
        ? {
            authorization_details_types_supported: Object.keys(
              this.config.authorizationDetailsTypes,
            ),
          }
        : {}),
      response_types_supported: codeFlow ? ['code'] : [],
      response_modes_supported: codeFlow ? ['query'] : [],
      grant_types_supported: grantTypes,
      token_endpoint_auth_methods_supported: tokenEndpointAuthMethods,
      ...signedAuthMethods,
      revocation_endpoint_auth_methods_supported: tokenEndpointAuthMethods,
      introspection_endpoint_auth_methods_supported: confidentialMethods,
      code_challenge_methods_supported: this.config.pkce.allowPlain ? ['S256', 'plain'] : ['S256'],
      ...(codeFlow ? { authorization_response_iss_parameter_supported: true } : {}),
      ...(this.config.dpop.enabled
        ? { dpop_signing_alg_values_supported: this.config.dpop.algorithms }
        : {}),
      ...(codeFlow ? this.parFields() : {}),
      // OIDC Discovery §3 (and RFC 9470 clients reading RFC 8414 metadata): the host's levels.
      ...(this.config.acr.levels.length > 0
        ? { acr_values_supported: [...this.config.acr.levels] }
        : {}),
      // Both specifications register these in RFC 8414's metadata registry too.
      ...this.logoutFields(),
    };
  }

  /** RFC 9126 §5. Clients authenticate there as at the token endpoint. */
  private parFields(): Record<string, unknown> {
    return {
      pushed_authorization_request_endpoint: `${this.config.issuer}${OAUTH_PATHS.par}`,
      require_pushed_authorization_requests: this.config.pushedAuthorizationRequests.required,
    };
  }
}
