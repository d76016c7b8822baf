import { randomInt } from 'node:crypto';

/**
 * RFC 8628 §6.1: consonants only (no vowels, so no words; no digits, so no 0/O or 1/I to confuse), eight of
 * them: 20^8, about 2^34.6, enough with the short lifetime and the limit on wrong entries.
 */
export const USER_CODE_ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ';
export const USER_CODE_LENGTH = 8;

/** A fresh user code, as shown to the user: `WDJB-MJHT`. */
export function newUserCode(): string {
  let code = '';
  for (let i = 0; i < USER_CODE_LENGTH; i++) {
    code += USER_CODE_ALPHABET[randomInt(USER_CODE_ALPHABET.length)];
  }
  return formatUserCode(code);
}

/** `WDJBMJHT` -> `WDJB-MJHT`: two halves are easier to read out and type. */
export function formatUserCode(normalized: string): string {
  const half = normalized.length / 2;
  return `${normalized.slice(0, half)}-${normalized.slice(half)}`;
}

/**
 * What the user typed, as stored (RFC 8628 §6.1: case-insensitive, punctuation and spaces
 * ignored), or null when it cannot be a user code at all.
 */
export function normalizeUserCode(input: unknown): string | null {
  if (typeof input !== 'string' || input.length > 64) return null;
  const code = input.toUpperCase().replace(/[\s\-_.]/g, '');
  if (code.length !== USER_CODE_LENGTH) return null;
  for (const char of code) if (!USER_CODE_ALPHABET.includes(char)) return null;
  return code;
}
