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

/** RFC 6749 §5.2: error_description is `%x20-21 / %x23-5B / %x5D-7E` (printable ASCII, no `"` or `\`). */
const OUTSIDE_DESCRIPTION_CHARSET = /[^\x20-\x21\x23-\x5B\x5D-\x7E]/gu;

/** The longest error description the module sends (longer ones are cut with `...`). */
export const MAX_DESCRIPTION_LENGTH = 300;

/**
 * An error description fit for a JSON error body, a `WWW-Authenticate` quoted string (RFC 6750
 * §3) and an error redirect (RFC 6749 §4.1.2.1): `"` becomes `'`, every other character outside
 * the RFC's set (controls, CR LF, `\`, non-ASCII) becomes `?`, and it is cut to
 * MAX_DESCRIPTION_LENGTH. `OAuthException` passes every description through it.
 */
export function safeDescription(text: string): string {
  const safe = String(text).replace(/"/g, "'").replace(OUTSIDE_DESCRIPTION_CHARSET, '?');
  return safe.length <= MAX_DESCRIPTION_LENGTH
    ? safe
    : `${safe.slice(0, MAX_DESCRIPTION_LENGTH - 3)}...`;
}

/**
 * A short, quoted excerpt of a request value for an error message (`'accounts:read??'`): the
 * safeDescription character set, at most `max` characters of the value. Messages name the
 * parameter and quote at most this much of what the client sent.
 */
export function excerpt(value: unknown, max = 40): string {
  const text = typeof value === 'string' ? value : String(value);
  const chars = Array.from(text);
  const cut = chars.length > max ? `${chars.slice(0, max).join('')}...` : text;
  return `'${safeDescription(cut).replace(/'/g, '?')}'`;
}
