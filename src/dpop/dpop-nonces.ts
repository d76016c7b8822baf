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
  constructor(private readonly secret: string) {}

  /** The nonce to hand out now (`DPoP-Nonce`). */
  current(nowSeconds: number): string {
    return this.forStep(Math.floor(nowSeconds / NONCE_STEP_SECONDS));
  }

  /** Whether `nonce` is this step's or the previous step's. */
  isValid(nonce: unknown, nowSeconds: number): boolean {
    if (typeof nonce !== 'string' || nonce.length > 64) return false;
    const step = Math.floor(nowSeconds / NONCE_STEP_SECONDS);
    return [step, step - 1].some((candidate) => sameString(nonce, this.forStep(candidate)));
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
