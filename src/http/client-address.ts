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
