/**
 * A DPoP proof was refused (RFC 9449 §4.3): `invalid_dpop_proof`, or `use_dpop_nonce` with the
 * nonce to retry with. Each edge renders it its own way: the token endpoint as a 400 error
 * response (§5), a protected resource as a 401 `DPoP` challenge (§7.1).
 */
export class DpopProofError extends Error {
  constructor(
    readonly code: 'invalid_dpop_proof' | 'use_dpop_nonce',
    readonly description: string,
    /** For `use_dpop_nonce`: the nonce the client should put in its next proof. */
    readonly nonce?: string,
  ) {
    super(description);
    this.name = 'DpopProofError';
  }

  /** The `DPoP-Nonce` response header, when there is a nonce to hand out. */
  get headers(): Record<string, string> {
    return this.nonce ? { 'DPoP-Nonce': this.nonce } : {};
  }
}
