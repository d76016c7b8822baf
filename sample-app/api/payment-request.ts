import { BadRequestException } from '@nestjs/common';

/** The body of POST /api/payments, once checked. */
export interface PaymentRequest {
  /** Decimal string with at most two decimals, greater than zero: "10.00". */
  amount: string;
  /** ISO 4217 code: three capital letters. */
  currency: string;
  /** Who receives the money (a name or an IBAN); not empty. */
  creditor: string;
}

export const AMOUNT = /^(0|[1-9][0-9]{0,11})(\.[0-9]{1,2})?$/;
export const CURRENCY = /^[A-Z]{3}$/;
export const MAX_CREDITOR_LENGTH = 140;

/**
 * Checks a payment body by hand (the sample keeps its dependencies to the library's own; an app
 * would use class-validator and a ValidationPipe). Amounts stay strings: money is never a float.
 * Throws 400 `{ error: 'invalid_request', error_description }` naming the first bad field.
 */
export function parsePaymentRequest(body: unknown): PaymentRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalid('The body must be a JSON object with amount, currency and creditor.');
  }
  const { amount, currency, creditor } = body as Record<string, unknown>;
  if (typeof amount !== 'string' || !AMOUNT.test(amount) || !/[1-9]/.test(amount)) {
    throw invalid(
      'amount must be a decimal string greater than zero with at most two decimals, e.g. "10.00".',
    );
  }
  if (typeof currency !== 'string' || !CURRENCY.test(currency)) {
    throw invalid('currency must be three capital letters (ISO 4217), e.g. "EUR".');
  }
  if (
    typeof creditor !== 'string' ||
    creditor.trim() === '' ||
    creditor.length > MAX_CREDITOR_LENGTH
  ) {
    throw invalid(
      `creditor must be a non-empty string of at most ${MAX_CREDITOR_LENGTH} characters.`,
    );
  }
  return { amount, currency, creditor: creditor.trim() };
}

function invalid(description: string): BadRequestException {
  return new BadRequestException({ error: 'invalid_request', error_description: description });
}
