/**
 * Whether a string holds C0 control characters or DEL. URIs cannot (RFC 3986), names and
 * nonces have no use for them, and PostgreSQL refuses NUL in text outright: refused as bad
 * input before they reach the database.
 */
export function hasControlCharacters(value: string): boolean {
  for (let index = 0; index < value.length; index++) {
    const code = value.charCodeAt(index);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}
