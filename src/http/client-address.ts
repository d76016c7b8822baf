import { isIPv4, isIPv6 } from 'node:net';
import type { AdapterRequest } from './http-request';

/**
 * The client's IP address as the adapter sees it: Express's `req.ip` and Fastify's
 * `request.ip` (both honour the app's trust-proxy setting), else the socket's peer.
 */
export function clientAddressOf(raw: AdapterRequest): string {
  const request = raw as { ip?: unknown; socket?: { remoteAddress?: string } };
  if (typeof request.ip === 'string' && request.ip) return request.ip;
  return request.socket?.remoteAddress ?? 'unknown';
}

/**
 * The network a client address stands for when counting its attempts: an IPv4 address itself
 * (IPv4-mapped IPv6 too), but an IPv6 address's /64, since one host is routinely given a whole
 * /64 and would otherwise get a fresh counter for every address in it.
 */
export function addressNetworkOf(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped && isIPv4(mapped[1])) return mapped[1];
  const bare = address.replace(/%.*$/, ''); // a zone id (fe80::1%eth0) names no other host
  if (!isIPv6(bare)) return address;
  return `${expandIPv6(bare).slice(0, 4).join(':')}::/64`;
}

/** The eight 16-bit groups of an IPv6 address, as lower-case hex without leading zeros. */
function expandIPv6(address: string): string[] {
  const [head, tail] = address.toLowerCase().split('::');
  const groupsOf = (part: string | undefined): string[] =>
    part ? part.split(':').flatMap(groupsOfPart) : [];
  const before = groupsOf(head);
  const after = groupsOf(tail);
  const zeros = tail === undefined ? [] : Array(8 - before.length - after.length).fill('0');
  return [...before, ...zeros, ...after];
}

/** One colon-separated part: a hex group, or a trailing dotted IPv4 address (two groups). */
function groupsOfPart(part: string): string[] {
  if (!part.includes('.')) return [String(parseInt(part, 16).toString(16))];
  const [a, b, c, d] = part.split('.').map(Number);
  return [((a << 8) | b).toString(16), ((c << 8) | d).toString(16)];
}
