// Load generators: autocannon for single requests, a fetch loop for whole authorization-code
// flows. Both run in bench/run.ts's process; the server under load is another process.
import autocannon from 'autocannon';
import { createHash, randomBytes } from 'node:crypto';
import type { ServerSetup } from '../servers/common';

export interface Measurement {
  /** Requests (or flows) per second over the run. */
  rate: number;
  count: number;
  seconds: number;
  latencyP50Ms?: number;
  latencyP99Ms?: number;
}

export interface LoadOptions {
  connections: number;
}

interface Cannon {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  /** Each request takes the next of these bodies (for single-use tokens); then `amount` is their count. */
  bodies?: string[];
  seconds?: number;
}

/** One autocannon run; throws on any non-2xx answer or error, so only successes are measured. */
export async function cannon(spec: Cannon, options: LoadOptions): Promise<Measurement> {
  let next = 0;
  const bodies = spec.bodies;
  const started = process.hrtime.bigint();
  // With `amount`, autocannon ends the run on its next one-second tick, not at the last answer:
  // time the run to the last answer instead.
  let lastAnswer = started;
  const result = await autocannon({
    url: spec.url,
    connections: options.connections,
    ...(bodies
      ? {
          amount: bodies.length - options.connections * 2, // a margin: never run out of tokens
          requests: [
            {
              method: spec.method ?? 'POST',
              headers: spec.headers,
              setupRequest: (request: Record<string, unknown>) => ({
                ...request,
                body: bodies[next++ % bodies.length],
              }),
              onResponse: () => {
                lastAnswer = process.hrtime.bigint();
              },
            },
          ],
        }
      : {
          duration: spec.seconds ?? 5,
          method: spec.method ?? 'GET',
          headers: spec.headers,
          body: spec.body,
        }),
  } as autocannon.Options);
  const seconds = Number((bodies ? lastAnswer : process.hrtime.bigint()) - started) / 1e9;
  if (result.non2xx > 0 || result.errors > 0 || result.timeouts > 0) {
    throw new Error(
      `${spec.url}: ${result.non2xx} non-2xx answers, ${result.errors} errors, ${result.timeouts} timeouts`,
    );
  }
  if (bodies && next > bodies.length) throw new Error(`${spec.url}: ran out of single-use tokens`);
  return {
    rate: result.requests.total / seconds,
    count: result.requests.total,
    seconds,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
  };
}

/**
 * Full authorization-code flows, `concurrency` at a time, for `seconds`: GET the authorization
 * endpoint as the signed-in user whose consent is remembered (a 302/303 to the redirect URI with
 * a code), then exchange the code with PKCE at the token endpoint (access token + id_token).
 */
export async function flows(
  base: string,
  setup: ServerSetup,
  seconds: number,
  concurrency: number,
): Promise<Measurement> {
  const { web, paths } = setup;
  const started = Date.now();
  const deadline = started + seconds * 1000;
  let count = 0;
  let finishedAt = started;
  const one = async () => {
    const verifier = randomBytes(32).toString('base64url');
    const state = randomBytes(8).toString('base64url');
    const query = new URLSearchParams({
      response_type: 'code',
      client_id: web.clientId,
      redirect_uri: web.redirectUri,
      scope: web.scope,
      state,
      nonce: randomBytes(8).toString('base64url'),
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
      ...web.authorizeParams,
    });
    const authorize = await fetch(`${base}${paths.authorize}?${query}`, {
      redirect: 'manual',
      headers: web.authorizeHeaders,
    });
    await authorize.arrayBuffer();
    const location = authorize.headers.get('location') ?? '';
    const callback = location.startsWith(web.redirectUri) ? new URL(location) : undefined;
    const code = callback?.searchParams.get('code');
    if (!code || callback!.searchParams.get('state') !== state) {
      throw new Error(`authorization request answered ${authorize.status} ${location}`);
    }
    const token = await fetch(`${base}${paths.token}`, {
      method: 'POST',
      headers: {
        authorization: web.authorization,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: web.redirectUri,
        code_verifier: verifier,
      }).toString(),
    });
    const body = (await token.json()) as { access_token?: string; id_token?: string };
    if (token.status !== 200 || !body.access_token || !body.id_token) {
      throw new Error(`code exchange answered ${token.status} ${JSON.stringify(body)}`);
    }
  };
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < deadline) {
        await one();
        count++;
        finishedAt = Date.now();
      }
    }),
  );
  const elapsed = (finishedAt - started) / 1000;
  return { rate: count / elapsed, count, seconds: elapsed };
}
