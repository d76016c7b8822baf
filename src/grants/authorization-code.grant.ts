import { Injectable } from '@nestjs/common';
import { AuthorizationCodeService } from '../codes/authorization-code.service';
import type { OAuthAuthorizationCode } from '../storage/entities/oauth-authorization-code.entity';
import { verifierMatches } from '../codes/pkce';
import { nowMs } from '../common/time';
import { OAuthException } from '../errors/oauth.exception';
import { InjectOAuthConfig } from '../oauth.constants';
import type { OAuthConfig } from '../options/oauth-config';
import { IdTokenService } from '../tokens/id-token.service';
import { PreparedTokens, TokenFactory } from '../tokens/token-factory.service';
import type { TokenResponse } from '../tokens/token-response';
import { TokenRevoker } from '../tokens/token-revoker.service';
import type { OAuthGrantHandler, TokenRequest } from './oauth-grant.interface';
import { mayIssueRefreshToken } from './refresh-eligibility';
import { audienceFor } from './resource-indicator';
import { narrowedAuthorizationDetails } from './authorization-details-request';
import type { AuthorizationDetail } from '../options/authorization-detail-type';
import { TokenRequestPolicy } from './token-request-policy.service';
import { OAuthEvents } from '../events/oauth-events';

const REPLAYED = { replayed: true } as const;

/**
 * RFC 6749 §4.1.3 with PKCE (RFC 7636). The code is consumed before anything else is checked,
 * so a failed attempt (wrong verifier, wrong redirect URI) burns it; a replayed code revokes
 * every token issued from it (RFC 6749 §4.1.2).
 */
@Injectable()
export class AuthorizationCodeGrant implements OAuthGrantHandler {
  readonly allowsPublicClients = true;

  constructor(
    @InjectOAuthConfig() private readonly config: OAuthConfig,
    private readonly codes: AuthorizationCodeService,
    private readonly revoker: TokenRevoker,
    private readonly factory: TokenFactory,
    private readonly idTokens: IdTokenService,
    private readonly policy: TokenRequestPolicy,
    private readonly events: OAuthEvents,
  ) {}

  async handle(request: TokenRequest): Promise<TokenResponse> {
    const { params, client } = request;
    if (!params.code) throw OAuthException.invalidRequest('code is required.');
    const code = await this.codes.findByCode(params.code);
    if (!code) throw OAuthException.invalidGrant('The authorization code is invalid.');
    // Checked and signed before the code is spent, so spending and storing is one short step
    // (one statement on PostgreSQL). A failed attempt burns the code all the same. A concurrent
    // replay waits for the winner's step (row lock, or the SQLite queue), so the revocation
    // below also finds the winner's tokens.
    const prepared = await this.checkAndPrepare(request, code).then(
      (tokens) => ({ tokens }),
      (error: unknown) => ({ error }),
    );
    const outcome = await this.spendCode(code, prepared);
    if ('replayed' in outcome) {
      this.events.emit({
        type: 'authorization_code.replayed',
        clientId: code.clientId,
        subject: code.subject,
        codeId: code.id,
      });
      await this.revoker.revokeIssuedFromCode(code);
      throw OAuthException.invalidGrant(
        'The authorization code was already used; tokens issued from it are revoked.',
      );
    }
    if ('error' in outcome) throw outcome.error;
    const { response } = outcome.issued;
    if (code.scopes.includes('openid')) {
      response.id_token = await this.idTokens.sign({
        clientId: client.clientId,
        subject: code.subject,
        accessToken: response.access_token,
        nonce: code.nonce,
        authTime: code.authTime,
        acr: code.acr,
        amr: code.amr,
      });
    }
    return response;
  }

  /** Spends the code, storing the tokens with it when the checks passed; REPLAYED if spent before. */
  private async spendCode(
    code: OAuthAuthorizationCode,
    prepared: { tokens: PreparedTokens } | { error: unknown },
  ): Promise<{ issued: PreparedTokens } | { error: unknown } | typeof REPLAYED> {
    if ('error' in prepared) return (await this.codes.consume(code.id)) ? prepared : REPLAYED;
    const issued = await this.factory.storeIfCodeSpent(prepared.tokens, code.id);
    return issued ? { issued } : REPLAYED;
  }

  /** The exchange's checks (RFC 6749 §4.1.3, RFC 7636, RFC 8707), then the tokens, unstored. */
  private async checkAndPrepare(
    request: TokenRequest,
    code: OAuthAuthorizationCode,
  ): Promise<PreparedTokens> {
    const { params, client } = request;
    if (code.clientId !== client.clientId)
      throw OAuthException.invalidGrant('The authorization code is invalid.');
    if (code.expiresAt <= nowMs())
      throw OAuthException.invalidGrant('The authorization code has expired.');
    this.checkRedirectUri(params.redirect_uri, code.redirectUri, client.redirectUris);
    this.checkPkce(params.code_verifier, code.codeChallenge, code.codeChallengeMethod);
    // RFC 9449 §10: a code bound with dpop_jkt is exchanged only with a proof of that key.
    if (code.dpopJkt !== null && request.dpop?.jkt !== code.dpopJkt)
      throw OAuthException.invalidGrant('The authorization code is bound to another DPoP key.');
    // RFC 8707 §2.2: a resource named here must be one the authorization was for.
    const resources = code.resources ?? [this.config.accessTokenAudience];
    const audience = audienceFor(params.resource, this.config, resources) ?? resources;
    // RFC 9396 §6.1: the details approved with the code, or fewer; never others.
    const granted = code.authorizationDetails as AuthorizationDetail[] | null;
    const details = await narrowedAuthorizationDetails(request, this.config, granted, code.subject);
    await this.policy.check(
      request,
      { scopes: code.scopes, authorizationDetails: details },
      code.subject,
      code,
    );
    return this.factory.prepare({
      clientId: client.clientId,
      subject: code.subject,
      scopes: code.scopes,
      authorizationDetails: details,
      refreshAuthorizationDetails: granted,
      grantType: 'authorization_code',
      audience,
      withRefreshToken: mayIssueRefreshToken(this.config, client.grantTypes, code.scopes),
      originCodeId: code.id,
      authTime: code.authTime,
      acr: code.acr,
      amr: code.amr,
      dpopJkt: request.dpop?.jkt,
    });
  }

  /** RFC 6749 §4.1.3: the same redirect URI as the authorization request. */
  private checkRedirectUri(
    given: string | undefined,
    expected: string,
    registered: string[],
  ): void {
    if (given === undefined) {
      // It could be omitted at the authorization endpoint too, but only if the code went to the
      // client's one registered URI (a client updated since keeps no such pass).
      if (registered.length === 1 && registered[0] === expected) return;
      throw OAuthException.invalidRequest('redirect_uri is required.');
    }
    if (given !== expected)
      throw OAuthException.invalidGrant('redirect_uri does not match the authorization request.');
  }

  private checkPkce(
    verifier: string | undefined,
    challenge: string | null,
    method: string | null,
  ): void {
    if (!challenge) {
      // RFC 9700 §4.8.2: a verifier for a code issued without a challenge is a downgrade attempt.
      if (verifier !== undefined)
        throw OAuthException.invalidGrant('This code was issued without PKCE.');
      return;
    }
    if (verifier === undefined) throw OAuthException.invalidGrant('code_verifier is required.');
    if (!verifierMatches(verifier, challenge, method ?? 'S256')) {
      throw OAuthException.invalidGrant('code_verifier does not match the code challenge.');
    }
  }
}
