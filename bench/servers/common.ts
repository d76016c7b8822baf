// What both servers share: the same lifetimes (nest-oauth-server's defaults), user and client shapes.
export const BENCH_RESOURCE = 'https://api.bank.example/';
export const BENCH_USER = 'user-alice';
/** The access tokens' signing algorithm on both sides (BENCH_ACCESS_TOKEN_ALG); id_tokens stay RS256. */
export const BENCH_ACCESS_TOKEN_ALG = (process.env.BENCH_ACCESS_TOKEN_ALG ?? 'RS256') as
  'RS256' | 'ES256' | 'EdDSA';
/** The HTTP platforms ours is measured on (BENCH_ADAPTER of a server, BENCH_ADAPTERS of a run). */
export const BENCH_ADAPTERS = ['express', 'fastify'] as const;
export type BenchAdapter = (typeof BENCH_ADAPTERS)[number];
export const REDIRECT_URI = 'https://client.example/callback';
export const BENCH_TTL = {
  accessToken: 3600,
  refreshToken: 30 * 24 * 3600,
  authorizationCode: 60,
  idToken: 3600,
  interaction: 600,
};

/** What bench/run.ts needs from a server to drive the workloads. */
export interface ServerSetup {
  paths: { token: string; authorize: string; introspection: string };
  clientCredentials: { authorization: string; body: string };
  web: {
    clientId: string;
    authorization: string;
    redirectUri: string;
    scope: string;
    /** Headers that make the authorization request come from the signed-in bench user. */
    authorizeHeaders: Record<string, string>;
    /** Extra authorization request parameters. */
    authorizeParams?: Record<string, string>;
  };
  /** Ours only: routes of the protected-route workload and a token for them. */
  protectedRoute?: { accessToken: string; paths: Record<string, string> };
}
