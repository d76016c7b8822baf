// The request and response of either HTTP adapter, as the sample's own code sees them.
import type { IncomingHttpHeaders } from 'node:http';

/**
 * A request: Express's Request or Fastify's FastifyRequest. The sample reads only its headers,
 * which both carry as Node's. The authorization server hands the same object to
 * `ResourceOwnerProvider.getSignedInUser`.
 */
export interface AdapterRequest {
  headers: IncomingHttpHeaders;
}

/**
 * A response: Express's Response or Fastify's FastifyReply, from `@Res({ passthrough: true })`.
 * Written only through Nest's HttpAdapter (HttpAdapterHost), which knows which one it is.
 */
export type AdapterResponse = object;
