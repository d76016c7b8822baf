/**
 * The request object the host's HTTP adapter hands `@Req()`: an Express `Request` or a
 * `FastifyRequest`. The module reads it through `OAuthHttpRequest` and passes it on untouched to
 * host code (`ResourceOwnerProvider`, `AuthorizationService`), which knows its own adapter.
 */
export type AdapterRequest = object;

/**
 * What the module reads of an HTTP request, the same on Express and Fastify. Grants see it as
 * `TokenRequest.request`.
 */
export interface OAuthHttpRequest {
  /** Upper-case, as sent. */
  readonly method: string;
  /** The request target's path without the query string, as the client sent it. */
  readonly path: string;
  /** A header's value (`name` in lower case); repeated headers joined as Node joins them. */
  header(name: string): string | undefined;
  /** The parsed query string: repeated parameters are arrays. Empty without a query string. */
  readonly query: Readonly<Record<string, unknown>>;
  /** The parsed body (form or JSON), as the adapter's body parser left it. */
  readonly body: unknown;
  /** The body's media type in lower case without parameters (`application/json`), if any. */
  readonly mediaType: string | undefined;
  /** The adapter's own request object, for host code. */
  readonly raw: AdapterRequest;
}

/** The fields both adapters' requests have: Node's `method`, `url` and `headers`, parsed `query` and `body`. */
interface NodeShapedRequest {
  method: string;
  url: string;
  /** Express: the URL before a mounted router stripped its prefix from `url`. */
  originalUrl?: string;
  headers: Record<string, string | string[] | undefined>;
  query?: Record<string, unknown>;
  body?: unknown;
}

const NO_QUERY: Readonly<Record<string, unknown>> = Object.freeze({});

/**
 * One implementation serves both adapters: Express and Fastify agree on every field read here.
 * The query is read once and only when the URL has one (Express 5 parses it again on every read).
 */
class AdapterRequestView implements OAuthHttpRequest {
  private parsedQuery: Readonly<Record<string, unknown>> | undefined;

  constructor(readonly raw: NodeShapedRequest) {}

  get method(): string {
    return this.raw.method;
  }

  get path(): string {
    return pathOf(this.raw.originalUrl ?? this.raw.url);
  }

  header(name: string): string | undefined {
    const value = this.raw.headers[name];
    return Array.isArray(value) ? value.join(', ') : value;
  }

  get query(): Readonly<Record<string, unknown>> {
    return (this.parsedQuery ??= this.raw.url.includes('?')
      ? (this.raw.query ?? NO_QUERY)
      : NO_QUERY);
  }

  get body(): unknown {
    return this.raw.body;
  }

  get mediaType(): string | undefined {
    return mediaTypeOf(this.raw.headers['content-type']);
  }
}

/** The module's view of an adapter's request. */
export function httpRequestOf(raw: AdapterRequest): OAuthHttpRequest {
  return new AdapterRequestView(raw as NodeShapedRequest);
}

/** A request URL's path: `/oauth/token?x=1` -> `/oauth/token`. */
export function pathOf(url: string): string {
  const query = url.indexOf('?');
  return query < 0 ? url : url.slice(0, query);
}

/** `application/x-www-form-urlencoded; charset=utf-8` -> `application/x-www-form-urlencoded`. */
export function mediaTypeOf(contentType: string | string[] | undefined): string | undefined {
  if (typeof contentType !== 'string') return undefined;
  const semicolon = contentType.indexOf(';');
  const type = (semicolon < 0 ? contentType : contentType.slice(0, semicolon)).trim();
  return type === '' ? undefined : type.toLowerCase();
}
