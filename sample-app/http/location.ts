/** Anything but the characters of a URL, and a `%` that starts no escape (as `encodeurl`). */
const NOT_URL_CHARACTERS = /[^\x21\x23-\x3B\x3D\x3F-\x5F\x61-\x7A\x7C\x7E]+|%(?![0-9A-Fa-f]{2})/g;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * `url` percent-encoded for a Location header, leaving escapes it has alone: what Express's
 * `res.redirect` writes. Fastify writes the header as given, and Node refuses a header with
 * characters outside Latin-1, so the sample encodes it itself and redirects alike on both.
 */
export function encodeLocation(url: string): string {
  return url.replace(LONE_SURROGATE, '\uFFFD').replace(NOT_URL_CHARACTERS, encodeURI);
}
