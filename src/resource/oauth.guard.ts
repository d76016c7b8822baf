import { CanActivate, ExecutionContext, Inject, Injectable, Type } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { NOSNIFF } from '../common/json-response';
import { OAuthErrorCode, OAuthException } from '../errors/oauth.exception';
import { AdapterRequest, httpRequestOf, OAuthHttpRequest } from '../http/http-request';
import { AdapterResponse, httpReplyOf } from '../http/http-reply';
import { InjectOAuthConfig } from '../oauth.constants';
import type { OAuthConfig } from '../options/oauth-config';
import { dpopTargetUri } from '../dpop/dpop-target-uri';
import { DpopResourceAuthenticator } from './dpop-resource-authenticator.service';
import { authenticateResourceRequest, tokenRefusal } from './resource-token';
import { OAuthBearerStrategy } from './bearer.strategy';
import {
  ACCEPTED_DETAIL_TYPES,
  ACCESS_TOKEN_REQUEST_KEY,
  AcrRequirement,
  ANY_OF_SCOPES,
  IS_PUBLIC_ROUTE,
  REQUIRED_ACR,
  REQUIRED_SCOPES,
  REQUIRES_USER,
} from './decorators';
import { AcrLevels } from '../acr/acr-levels';
import { nowSeconds } from '../common/time';
import type { VerifiedAccessToken } from './verified-access-token';

/**
 * Protects host routes with our access tokens: RFC 6750 token placement, verification through
 * the `oauth-bearer` passport strategy, then `@Scopes` / `@AnyScope` / `@RequireUser`, then
 * the sign-in level (`@RequireAcr`, or the levels the route's scopes imply, RFC 9470).
 * Errors carry RFC 6750 `WWW-Authenticate` challenges. Use per route or as a global guard
 * (then `@Public()` opts a route out). Methods are protected so a host can extend it.
 */
@Injectable()
export class OAuthGuard implements CanActivate {
  /** Injected as a property, so subclasses keep the constructor they have. */
  @Inject(DpopResourceAuthenticator)
  private readonly dpop!: DpopResourceAuthenticator;

  constructor(
    protected readonly reflector: Reflector,
    @InjectOAuthConfig() protected readonly config: OAuthConfig,
    protected readonly strategy: OAuthBearerStrategy,
  ) {}

  /** Synchronous when the token is remembered (no I/O): the hot path makes no promise. */
  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const rules = this.rulesOf(
      context.getHandler() as (...args: never[]) => unknown,
      context.getClass(),
    );
    if (rules.isPublic) return true;
    const http = context.switchToHttp();
    const request = http.getRequest<AdapterRequest>();
    const admit = (token: VerifiedAccessToken): boolean => {
      this.checkUser(token, rules.requiresUser);
      if (!carriesAcceptedDetail(token, rules.detailTypes))
        this.checkScopes(token, rules.allOf, rules.anyOf);
      this.checkAuthentication(token, this.acrRequirementOf(token, rules));
      Reflect.set(request, ACCESS_TOKEN_REQUEST_KEY, token);
      return true;
    };
    // The host's exception filter renders the body; the challenge header (and nosniff, on this
    // error response only: a host's successful answers are its own) is set here.
    const challenge = (error: unknown): never => {
      if (error instanceof OAuthException) {
        const reply = httpReplyOf(http.getResponse<AdapterResponse>());
        for (const [name, value] of Object.entries({ ...error.headers, ...NOSNIFF }))
          reply.setHeader(name, value);
      }
      throw error;
    };
    try {
      const token = this.authenticate(httpRequestOf(request));
      return token instanceof Promise ? token.then(admit).catch(challenge) : admit(token);
    } catch (error) {
      return challenge(error);
    }
  }

  /**
   * The route's @Public / @RequireUser / @Scopes / @AnyScope, read once per handler and class:
   * decorator metadata does not change after the app starts.
   */
  private rulesOf(handler: Type | ((...args: never[]) => unknown), controller: Type): RouteRules {
    let byClass = this.rules.get(handler);
    if (!byClass) {
      byClass = new WeakMap();
      this.rules.set(handler, byClass);
    }
    let rules = byClass.get(controller);
    if (!rules) {
      const targets = [handler, controller] as Type[];
      rules = {
        isPublic: !!this.reflector.getAllAndOverride<boolean>(IS_PUBLIC_ROUTE, targets),
        requiresUser: this.reflector.getAllAndOverride<boolean>(REQUIRES_USER, targets),
        allOf: this.reflector.getAllAndOverride<string[]>(REQUIRED_SCOPES, targets),
        anyOf: this.reflector.getAllAndOverride<string[]>(ANY_OF_SCOPES, targets),
        acr: this.reflector.getAllAndOverride<AcrRequirement>(REQUIRED_ACR, targets),
        scopeLevel: undefined,
        detailTypes: this.reflector.getAllAndOverride<string[]>(ACCEPTED_DETAIL_TYPES, targets),
      };
      rules.scopeLevel = this.levels.required({
        scopes: rules.allOf ?? [],
        authorizationDetails: rules.detailTypes?.map((type) => ({ type })),
      });
      byClass.set(controller, rules);
    }
    return rules;
  }

  private readonly rules = new WeakMap<object, WeakMap<object, RouteRules>>();

  private get levels(): AcrLevels {
    this.acrLevels ??= new AcrLevels(this.config);
    return this.acrLevels;
  }

  private acrLevels?: AcrLevels;

  /**
   * What the route asks of the token's sign-in: `@RequireAcr`, and the level of the route's
   * `@Scopes` (all of them: the strongest); for `@AnyScope`, the weakest level among the listed
   * scopes the token holds (it is admitted through any of them).
   */
  private acrRequirementOf(token: VerifiedAccessToken, rules: RouteRules): Partial<AcrRequirement> {
    let level = this.levels.stronger(rules.acr?.level, rules.scopeLevel);
    if (rules.anyOf && rules.anyOf.length > 0 && this.levels.enabled) {
      // checkScopes passed, so the token holds at least one; any of them lets it in.
      const needed = rules.anyOf
        .filter((scope) => token.scopes.includes(scope))
        .map((scope) => this.levels.required({ scopes: [scope] }));
      const weakest = needed.includes(undefined)
        ? undefined
        : needed.reduce((a, b) => (this.levels.rank(b) < this.levels.rank(a) ? b : a));
      level = this.levels.stronger(level, weakest);
    }
    return { level, maxAge: rules.acr?.maxAge };
  }

  /**
   * RFC 6750 §2 through the one placement rule shared with userinfo and the `oauth-bearer`
   * strategy (`bearerTokenOf`: the header; a form body or the query only when
   * `resourceServer.allowBodyToken` / `allowQueryToken` say so; one place only), checked once
   * per request, then this app's `oauth-bearer` strategy on the token found. The strategy is
   * injected rather than looked up in passport's process-wide registry, so two apps in one
   * process never verify with each other's keys; a plain `AuthGuard('oauth-bearer')` goes
   * through passport (same placement rule). No token -> 401 without an error code (RFC 6750 §3.1).
   * `Authorization: DPoP` (RFC 9449 §7) is checked only when no Bearer token came, so Bearer
   * requests do no DPoP work; the strategy refuses a DPoP-bound token sent as Bearer.
   */
  protected authenticate(
    request: OAuthHttpRequest,
  ): VerifiedAccessToken | Promise<VerifiedAccessToken> {
    return authenticateResourceRequest(request, this.config, this.strategy, this.dpop, () =>
      this.dpopTargetUri(request),
    );
  }

  /**
   * The public URL a DPoP proof's `htu` must name for this request: the issuer's origin and the
   * request path (never the Host header, which the client chooses). Override it when the API is
   * published under another origin or path prefix than the app sees.
   */
  protected dpopTargetUri(request: OAuthHttpRequest): string {
    return dpopTargetUri(request.path, this.config.issuer) ?? '';
  }

  /** RFC 9470 §3: the route needs a user, and this token was issued to a client for itself. */
  protected checkUser(token: VerifiedAccessToken, requiresUser: boolean | undefined): void {
    if (requiresUser && !token.userId) {
      throw this.error(
        'insufficient_user_authentication',
        'This route needs a token issued to a signed-in user.',
        401,
        token,
      );
    }
  }

  /**
   * RFC 9470 §3: the token's sign-in is below the level the route needs, or older than its
   * `maxAge`: 401 `insufficient_user_authentication` with `acr_values` (and `max_age` when the
   * age was the reason) in the challenge, so the client sends the user through that sign-in.
   */
  protected checkAuthentication(
    token: VerifiedAccessToken,
    requirement: Partial<AcrRequirement>,
  ): void {
    const { level, maxAge } = requirement;
    if (level === undefined && maxAge === undefined) return;
    const tooWeak = !token.userId || !this.levels.satisfies(token.acr, level);
    const tooOld =
      maxAge !== undefined &&
      (!token.userId || token.authTime === undefined || nowSeconds() - token.authTime > maxAge);
    if (!tooWeak && !tooOld) return;
    const description = !token.userId
      ? 'This route needs a token issued to a signed-in user.'
      : tooWeak
        ? `This route needs a sign-in at level ${level} or higher.`
        : `This route needs a sign-in at most ${maxAge} seconds old.`;
    throw this.error('insufficient_user_authentication', description, 401, token, undefined, {
      ...(level !== undefined ? { acr_values: level } : {}),
      ...(tooOld ? { max_age: String(maxAge) } : {}),
    });
  }

  protected checkScopes(
    token: VerifiedAccessToken,
    allOf: string[] | undefined,
    anyOf: string[] | undefined,
  ): void {
    const missing = (allOf ?? []).filter((scope) => !token.scopes.includes(scope));
    if (missing.length > 0) throw this.insufficientScope(allOf!, token);
    if (anyOf && anyOf.length > 0 && !anyOf.some((scope) => token.scopes.includes(scope))) {
      throw this.insufficientScope(anyOf, token);
    }
  }

  private insufficientScope(scopes: string[], token: VerifiedAccessToken): OAuthException {
    const scope = scopes.join(' ');
    return this.error(
      'insufficient_scope',
      `This route needs the scope ${scope}.`,
      403,
      token,
      scope,
    );
  }

  /** In the scheme the token came with: a DPoP-bound token can only have come as DPoP. */
  private error(
    code: OAuthErrorCode,
    description: string,
    status: number,
    token: VerifiedAccessToken,
    scope?: string,
    params?: Record<string, string>,
  ): OAuthException {
    return tokenRefusal(this.config, token, code, description, status, scope, params);
  }
}

interface RouteRules {
  isPublic: boolean;
  requiresUser: boolean | undefined;
  allOf: string[] | undefined;
  anyOf: string[] | undefined;
  acr: AcrRequirement | undefined;
  /** The level `allOf` and `detailTypes` imply (`acr.scopes`, `acr.authorizationDetailsTypes`). */
  scopeLevel: string | undefined;
  /** `@AcceptAuthorizationDetails`: a detail of one of these types stands in for the scopes. */
  detailTypes: string[] | undefined;
}

function carriesAcceptedDetail(token: VerifiedAccessToken, types: string[] | undefined): boolean {
  return !!types && !!token.authorizationDetails?.some((detail) => types.includes(detail.type));
}
