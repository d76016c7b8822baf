import { createHmac, timingSafeEqual } from 'node:crypto';

/** How long one nonce step lasts, in seconds; a nonce is accepted in its step and the next. */
export const NONCE_STEP_SECONDS = 60;

/**
 * Server-provided DPoP nonces (RFC 9449 §8, §9) without state: a nonce is the time step and an
 * HMAC of it under the configured secret, so every instance sharing the secret issues and
 * accepts the same nonces, and nothing is stored. The secret "rotates" by the step: a nonce is
 * accepted for one to two steps, then the client is handed a fresh one.
 */
export class DpopNonces {
  /** The current step's nonce, computed once per step (it goes out with every token response). */
  private issued = { step: NaN, nonce: '' };

  constructor(private readonly secret: string) {}

  /** The nonce to hand out now (`DPoP-Nonce`). */
  current(nowSeconds: number): string {
    const step = Math.floor(nowSeconds / NONCE_STEP_SECONDS);
    if (this.issued.step !== step) this.issued = { step, nonce: this.forStep(step) };
    return this.issued.nonce;
  }

  /** Whether `nonce` is this step's or the previous step's: one HMAC, for the step it names. */
  isValid(nonce: unknown, nowSeconds: number): boolean {
    if (typeof nonce !== 'string' || nonce.length > 64) return false;
    const step = Math.floor(nowSeconds / NONCE_STEP_SECONDS);
    const named = Number.parseInt(nonce.slice(0, nonce.indexOf('.')), 36);
    if (named !== step && named !== step - 1) return false;
    const expected = named === step ? this.current(nowSeconds) : this.forStep(named);
    return sameString(nonce, expected);
  }

  private forStep(step: number): string {
    const mac = createHmac('sha256', this.secret).update(`dpop-nonce\n${step}`).digest('base64url');
    return `${step.toString(36)}.${mac}`;
  }
}

function sameString(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
