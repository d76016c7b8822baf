/**
 * One element of RFC 9396 `authorization_details`: a JSON object with a string `type` and the
 * members that type defines (`locations`, `actions`, `datatypes`, `identifier`, `privileges`
 * are common to all types, RFC 9396 §2.2).
 */
export interface AuthorizationDetail {
  type: string;
  [member: string]: unknown;
}

/** Who asks: given to a type's `validate`, `describe` and `choices`. */
export interface AuthorizationDetailContext {
  clientId: string;
  /** The user deciding (consent page), or null before sign-in and for client_credentials. */
  userId: string | null;
}

/** One thing the user may pick on the consent page for a detail (e.g. one of their accounts). */
export interface AuthorizationDetailChoice {
  /** Sent back by the consent form; at most 200 characters. */
  value: string;
  /** Shown next to the checkbox. */
  label: string;
  /** Checked when the page opens. Default: false. */
  checked?: boolean;
}

/**
 * An authorization details type the host accepts (option `authorizationDetailsTypes`, keyed by
 * the type's name). The module checks the JSON shape and the client's allowed types; the host
 * checks everything the type means.
 */
export interface AuthorizationDetailType {
  /**
   * Checks one detail of this type before anything is stored: return nothing to accept it, or a
   * sentence saying what is wrong (sent to the client as `invalid_authorization_details`). Runs
   * at the authorization endpoint, at PAR, at the token endpoint, and again on the user's
   * choices at consent (then with `context.userId`).
   */
  validate(
    detail: AuthorizationDetail,
    context: AuthorizationDetailContext,
  ): string | undefined | void | Promise<string | undefined | void>;
  /** The detail in the user's words, for the consent page: "Pay 123.50 EUR to Merchant A". */
  describe(
    detail: AuthorizationDetail,
    context: AuthorizationDetailContext,
  ): string | Promise<string>;
  /**
   * Whether consent to a detail of this type may be remembered and reused by later requests of
   * the same client asking for exactly the same detail (account access). Default: false, one-off
   * (a payment is approved once, and a request carrying it always shows the consent page).
   */
  reusable?: boolean;
  /**
   * Whether `requested` asks for no more than `granted` (a refresh or token request narrowing a
   * grant, a request covered by remembered consent). Default: the two are equal as JSON.
   */
  narrows?(requested: AuthorizationDetail, granted: AuthorizationDetail): boolean;
  /**
   * What the user may pick on the consent page for this detail (checkboxes), e.g. their
   * accounts. With `choose`, which turns the picked values into the detail that is granted.
   */
  choices?(
    detail: AuthorizationDetail,
    context: AuthorizationDetailContext,
  ): AuthorizationDetailChoice[] | Promise<AuthorizationDetailChoice[]>;
  /** The detail granted when the user picked `values` (a subset of `choices`' values). */
  choose?(detail: AuthorizationDetail, values: string[]): AuthorizationDetail;
}
