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
export function redirectUriProblem(uri: unknown, clientType: ClientType): string | null {
  if (typeof uri !== 'string' || uri.length === 0)
    return 'a redirect URI must be a non-empty string';
  if (uri.length > 2048) return 'a redirect URI may not be longer than 2048 characters';
  if (hasControlCharacters(uri)) return 'a redirect URI may not contain control characters';
  // Messages quote a bounded, sanitised excerpt: the URI is the client's input.
  const quoted = excerpt(uri, 80);
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return `${quoted} is not an absolute URI`;
  }
  if (uri.includes('#')) return `${quoted} has a fragment, which redirect URIs may not have`;
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
