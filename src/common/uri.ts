/** An absolute URI: it parses and has a scheme (RFC 3986 §4.3). */
export function isAbsoluteUri(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  try {
    return new URL(value).protocol.length > 1;
  } catch {
    return false;
  }
}
