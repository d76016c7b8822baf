import { excerpt, hasControlCharacters } from '../common/text';
import type { ClientType } from '../storage/entities/oauth-client.entity';

const LOOPBACK_HOSTS = ['127.0.0.1', '[::1]', 'localhost'];
const FORBIDDEN_SCHEMES = ['javascript:', 'data:', 'vbscript:', 'file:', 'blob:', 'about:'];

export const isLoopbackHost = (hostname: string): boolean => LOOPBACK_HOSTS.includes(hostname);

/**
 * Why a redirect URI cannot be registered, or null when it can (RFC 6749 §3.1.2, RFC 8252,
 * RFC 9700 §4.1): absolute, no fragment; https, or http on a loopback address (native apps);
 * private-use schemes such as `com.example.app:/callback` for public (native) clients only.
 */
export function redirectUriProblem(
  uri: unknown,
  clientType: ClientType,
  what = 'a redirect URI',
): string | null {
  if (typeof uri !== 'string' || uri.length === 0) return `${what} must be a non-empty string`;
  if (uri.length > 2048) return `${what} may not be longer than 2048 characters`;
  const text = uriTextProblem(uri, what);
  if (text) return text;
  // Messages quote a bounded, sanitised excerpt: the URI is the client's input.
  const quoted = excerpt(uri, 80);
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return `${quoted} is not an absolute URI`;
  }
  if (uri.includes('#')) return `${quoted} has a fragment, which it may not have`;
  const parts = uriPartsProblem(uri, url);
  if (parts) return `${quoted} ${parts}`;
  if (FORBIDDEN_SCHEMES.includes(url.protocol)) return `${quoted} uses a forbidden scheme`;
  if (url.protocol === 'https:') return url.hostname ? null : `${quoted} has no host`;
  if (url.protocol === 'http:') {
    return isLoopbackHost(url.hostname)
      ? null
      : `${quoted} uses http: only loopback addresses (127.0.0.1, [::1], localhost) may use http, others need https`;
  }
  // A private-use scheme (RFC 8252 §7.1): reverse domain name, for native apps.
  if (clientType !== 'public') {
    return `${quoted} uses a custom scheme, which only public (native app) clients may register`;
  }
  if (!url.protocol.slice(0, -1).includes('.')) {
    return `${quoted} uses a custom scheme that is not a reverse domain name (e.g. com.example.app:/callback)`;
  }
  return null;
}

/**
 * Why a `backchannel_logout_uri` (OpenID Connect Back-Channel Logout §2.2) cannot be registered,
 * or null: the rules of a confidential client's redirect URI (https, or http on a loopback
 * address; no fragment, user info or odd characters), so the server only ever POSTs to a plain
 * web address its client registered. Unlike a redirect URI it is called by the server itself,
 * so a loopback address (the server's own machine) is refused unless the issuer is on one too
 * (development), where anyone registering a client could otherwise reach local services.
 */
export function backchannelLogoutUriProblem(uri: unknown, issuer: string): string | null {
  const problem = redirectUriProblem(uri, 'confidential', 'the URI');
  if (problem) return `backchannel_logout_uri: ${problem}`;
  if (isLocalHost(new URL(uri as string).hostname) && !isLocalHost(new URL(issuer).hostname)) {
    return 'backchannel_logout_uri: a loopback address is refused: this server would POST to its own machine';
  }
  return null;
}

/** The machine itself: localhost names, 127.0.0.0/8, ::1, 0.0.0.0. */
function isLocalHost(hostname: string): boolean {
  const host = hostname.toLowerCase();
  return (
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    /^127\.\d+\.\d+\.\d+$/.test(host) ||
    host === '0.0.0.0' ||
    host === '[::1]' ||
    host === '[::]'
  );
}

/**
 * Why a `client_uri` (a client's website) cannot be registered, or null: an absolute http(s) URL
 * under the same character and authority rules as redirect URIs (it is shown to users).
 */
export function clientUriProblem(uri: string): string | null {
  const text = uriTextProblem(uri, 'client_uri');
  if (text) return text;
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return 'client_uri must be an http(s) URL';
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || !url.hostname) {
    return 'client_uri must be an http(s) URL';
  }
  const parts = uriPartsProblem(uri, url);
  return parts ? `client_uri ${parts}` : null;
}

/**
 * Characters a registered URI may not hold, checked on the text as sent (before a URL parser
 * quietly fixes it): control characters, whitespace, anything outside ASCII (an international
 * host is registered in its punycode `xn--` form, the rest percent-encoded), backslashes (which
 * parsers read as `/`), characters RFC 3986 does not allow or that end an HTML attribute
 * (`<>"'\`{}|^`), wildcards (`*`, also as `%2A`) and malformed or control percent-encodings.
 */
function uriTextProblem(uri: string, what: string): string | null {
  if (hasControlCharacters(uri)) return `${what} may not contain control characters`;
  if (/\s/.test(uri)) return `${what} may not contain whitespace`;
  if (/[^\x21-\x7e]/.test(uri)) {
    return `${what} must be ASCII: write an international host in punycode (xn--...) and percent-encode the rest`;
  }
  if (uri.includes('\\')) return `${what} may not contain backslashes`;
  if (/[<>"'`{}|^]/.test(uri)) return `${what} may not contain < > " ' \` { } | or ^`;
  if (/\*|%2a/i.test(uri)) return `${what} may not contain wildcards (*)`;
  if (/%(?![0-9a-f]{2})/i.test(uri)) return `${what} has a malformed percent-encoding`;
  if (/%(?:[01][0-9a-f]|7f)/i.test(uri)) {
    return `${what} may not contain percent-encoded control characters`;
  }
  return null;
}

/**
 * The parts of a parsed URI: no user info (`https://user:pw@host`, `https://app.example@evil`),
 * a host written as the parser reads it (no percent-encoded or numeric-trick hosts such as
 * `0x7f.1`), no dot segments in the path (`/cb/../admin`, also percent-encoded).
 */
function uriPartsProblem(uri: string, url: URL): string | null {
  const authority = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i.exec(uri)?.[1];
  if (url.username || url.password || authority?.includes('@')) {
    return 'contains user info (user:password@), which registered URIs may not have';
  }
  if (authority !== undefined && /^(https?|wss?|ftp):$/.test(url.protocol)) {
    const host = /^(\[[^\]]*\]|[^:]*)(?::[0-9]*)?$/.exec(authority)?.[1]?.toLowerCase();
    if (host !== url.hostname) {
      return `has a host that is not in plain form (the parser reads it as "${url.hostname}")`;
    }
  }
  const path = uri.replace(/^[a-z][a-z0-9+.-]*:(\/\/[^/?#]*)?/i, '').split(/[?#]/)[0];
  if (path.split('/').some((segment) => /^(\.|%2e){1,2}$/i.test(segment))) {
    return 'has a dot segment (. or ..) in its path';
  }
  return null;
}
