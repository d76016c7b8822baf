import { isLoopbackHost } from '../clients/redirect-uri';

/**
 * The registered redirect URI a request's `redirect_uri` matches: exactly (RFC 9700 §4.1.3),
 * except that a loopback http URI may use any port (RFC 8252 §7.3: native apps get an
 * ephemeral port). Omitted is allowed only when exactly one URI is registered.
 */
export function matchRedirectUri(
  requested: string | undefined,
  registered: string[],
): string | undefined {
  if (requested === undefined) return registered.length === 1 ? registered[0] : undefined;
  if (registered.includes(requested)) return requested;
  const asked = parseUrl(requested);
  if (!asked || asked.protocol !== 'http:' || !isLoopbackHost(asked.hostname)) return undefined;
  for (const candidate of registered) {
    const url = parseUrl(candidate);
    if (!url || url.protocol !== 'http:' || url.hostname !== asked.hostname) continue;
    url.port = asked.port;
    if (url.href === asked.href && requested === asked.href) return requested;
  }
  return undefined;
}

function parseUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}
