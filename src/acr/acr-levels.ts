import type { OAuthConfig } from '../options/oauth-config';

/**
 * What an authorization (or a route) is for, as far as authentication levels go: its scopes
 * (`acr.scopes`) and its RFC 9396 authorization details' types (`acr.authorizationDetailsTypes`).
 */
export interface AcrRequirementInput {
  scopes: readonly string[];
  authorizationDetails?: readonly { type: string }[] | null;
}

/**
 * The host's ordered authentication levels (`acr.levels`, weakest first) and the level each
 * scope and authorization details type needs (`acr.scopes`, `acr.authorizationDetailsTypes`).
 * An `acr` that is not one of the levels (or none at all) ranks below every level: it satisfies
 * no requirement. Pure: the authorization flow, the token
 * endpoint and the guard all ask the same questions here.
 */
export class AcrLevels {
  private readonly ranks: ReadonlyMap<string, number>;

  constructor(private readonly config: Pick<OAuthConfig, 'acr'>) {
    this.ranks = new Map(config.acr.levels.map((level, index) => [level, index]));
  }

  /** Whether the host declared levels at all. */
  get enabled(): boolean {
    return this.config.acr.levels.length > 0;
  }

  /** Position of `acr` in the levels; -1 when it is absent or not a declared level. */
  rank(acr: string | null | undefined): number {
    return acr == null ? -1 : (this.ranks.get(acr) ?? -1);
  }

  /** Whether `level` is one of the declared levels. */
  isLevel(level: string): boolean {
    return this.ranks.has(level);
  }

  /** The strongest level the parts of `input` need (undefined: no requirement). */
  required(input: AcrRequirementInput): string | undefined {
    let strongest: string | undefined;
    for (const scope of input.scopes) {
      strongest = this.stronger(strongest, own(this.config.acr.scopes, scope));
    }
    for (const { type } of input.authorizationDetails ?? []) {
      strongest = this.stronger(strongest, own(this.config.acr.authorizationDetailsTypes, type));
    }
    return strongest;
  }

  /** The stronger of two levels (either may be undefined). */
  stronger(a: string | undefined, b: string | undefined): string | undefined {
    if (a === undefined) return b;
    if (b === undefined) return a;
    return this.rank(b) > this.rank(a) ? b : a;
  }

  /** Whether a sign-in at `acr` meets `required` (always, when nothing is required). */
  satisfies(acr: string | null | undefined, required: string | undefined): boolean {
    return required === undefined || this.rank(acr) >= this.rank(required);
  }

  /**
   * The level an OIDC `acr_values` request parameter asks for: the weakest declared level it
   * names, read as a minimum in the declared order (values the host does not declare are
   * ignored, as OIDC Core §3.1.2.1 makes acr_values voluntary). Undefined when it names none.
   */
  requestedBy(acrValues: string | undefined): string | undefined {
    if (!acrValues) return undefined;
    let weakest: string | undefined;
    for (const value of acrValues.split(' ')) {
      if (!this.isLevel(value)) continue;
      if (weakest === undefined || this.rank(value) < this.rank(weakest)) weakest = value;
    }
    return weakest;
  }
}

/** A record's own entry (a request's "constructor" is no level). */
function own(record: Record<string, string>, key: string): string | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}
