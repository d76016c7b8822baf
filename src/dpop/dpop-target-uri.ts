/**
 * The `htu` form of a URL (RFC 9449 §4.3): origin and path, without query and fragment, after
 * WHATWG URL normalization (lower-case scheme and host, default port dropped, path
 * percent-encoded as clients encode it). Undefined when it is no absolute URL.
 */
export function dpopTargetUri(url: string, base?: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url, base);
  } catch {
    return undefined;
  }
  return `${parsed.origin}${parsed.pathname}`;
}
