/**
 * The `htu` form of a URL (RFC 9449 §4.3): origin and path, without query and fragment, after
 * WHATWG URL normalization (lower-case scheme and host, default port dropped, path
 * percent-encoded as clients encode it). Undefined when it is no absolute URL.
 */
export function dpopTargetUri(url: string, base?: string): string | undefined {
  let parsed: URL;
  try {
    // A path is appended to the base's origin, never resolved against it: resolving would
    // read `//other.example/api` as another host, whose proofs must not count here.
    parsed = base === undefined ? new URL(url) : new URL(`${new URL(base).origin}${url}`);
  } catch {
    return undefined;
  }
  return `${parsed.origin}${parsed.pathname}`;
}
