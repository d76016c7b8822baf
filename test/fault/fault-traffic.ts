// Steady token traffic for the fault test: each simulated client loops client_credentials and
// refresh token rotations, round-robin over the instances, and keeps its current refresh token.
// A refresh that fails without an answer (network error, the instance was killed) or with a 5xx
// is retried with the same refresh token on the other instance: a client cannot tell whether
// the lost request rotated the token, so retrying is what it must do. Everything is recorded,
// per phase, for the counts and checks of fault.e2e.spec.ts.
import { OAUTH_PATHS } from '../../src';
import { FAULT_SCOPES, FAULT_SEED_PATH, type SeededFamily } from './fault-app';

/**
 * When a request started: `steady` before any fault; then the outage: `a-killed` (A stops
 * answering, is killed; B alone), `db-down` (PostgreSQL stopped), `db-back` (PostgreSQL up
 * again, A restarting); `recovered` once PostgreSQL and both instances are up.
 */
export type Phase = 'steady' | 'a-killed' | 'db-down' | 'db-back' | 'recovered';
export const PHASES: Phase[] = ['steady', 'a-killed', 'db-down', 'db-back', 'recovered'];
export const OUTAGE: Phase[] = ['a-killed', 'db-down', 'db-back'];

export interface Target {
  name: string;
  url: string;
}

export type RequestKind = 'client_credentials' | 'refresh' | 'final_refresh' | 'seed';

export interface RequestRecord {
  kind: RequestKind;
  target: string;
  phase: Phase;
  /** HTTP status, or 0 for a network error (refused, reset, timed out). */
  status: number;
  /** OAuth `error`, or the network error's code. */
  error?: string;
  description?: string;
  /** A repeat of a refresh that got no answer or a 5xx. */
  retry: boolean;
}

/** One authorization: the refresh tokens the client received, in order. */
export interface Family {
  client: number;
  delivered: string[];
  current: string;
  /** The answer that ended it during traffic (invalid_grant), if any. */
  endedBy?: RequestRecord;
  /** Its last refresh got no definite answer within the retry bound. */
  unresolved: boolean;
}

export interface TrafficClient {
  index: number;
  clientId: string;
  clientSecret: string;
  family: Family;
  turn: number;
}

export interface TrafficOptions {
  targets: Target[];
  /** The phase a request starting now belongs to. */
  phase(): Phase;
  /** Per request. Default 10 s. */
  requestTimeoutMs?: number;
  /** Attempts of one refresh (the first and its retries). Default 40. */
  maxAttempts?: number;
  /** And no retry starts later than this after the first attempt. Default 15 s. */
  maxRetryMs?: number;
  /** Pause of each client between two requests. Default 5 ms. */
  thinkMs?: number;
  /**
   * After a network error, requests avoid that target for this long, as a load balancer's
   * health check would (unless every target is avoided). Default 500 ms.
   */
  avoidMs?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class FaultTraffic {
  readonly records: RequestRecord[] = [];
  readonly families: Family[] = [];
  readonly clients: TrafficClient[] = [];
  private stopping = false;
  private loops: Promise<void>[] = [];
  /** Per target: until when requests avoid it (after a network error). */
  private readonly avoidUntil = new Map<string, number>();

  constructor(private readonly options: TrafficOptions) {}

  /** Registers `count` clients, each with a first refresh token, through the first target. */
  async seed(count: number): Promise<void> {
    for (let index = 0; index < count; index++) {
      const seeded = await this.seedFamily(this.options.targets[0], {});
      const client: TrafficClient = {
        index,
        clientId: seeded.clientId,
        clientSecret: seeded.clientSecret!,
        family: this.newFamily(index, seeded.refreshToken),
        turn: index,
      };
      this.clients.push(client);
    }
  }

  start(): void {
    this.loops = this.clients.map((client) => this.loop(client));
  }

  /** Stops the loops; a refresh in progress still finishes (its retries are bounded). */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.loops);
  }

  /** One last refresh per client, on the targets in turn: does its current token still work? */
  async finalRefreshes(): Promise<RequestRecord[]> {
    return Promise.all(
      this.clients.map(async (client) => {
        const target = this.options.targets[client.index % this.options.targets.length];
        const record = await this.refreshOnce(client, target, 'final_refresh', false);
        return record;
      }),
    );
  }

  private async loop(client: TrafficClient): Promise<void> {
    const thinkMs = this.options.thinkMs ?? 5;
    while (!this.stopping) {
      await this.clientCredentials(client, this.nextTarget(client));
      await sleep(thinkMs);
      if (this.stopping) break;
      await this.rotate(client);
      await sleep(thinkMs);
    }
  }

  /** Round-robin, skipping a target that just failed to answer while another is available. */
  private nextTarget(client: TrafficClient): Target {
    const targets = this.options.targets;
    const now = Date.now();
    for (let i = 0; i < targets.length; i++) {
      const target = targets[client.turn++ % targets.length];
      if ((this.avoidUntil.get(target.name) ?? 0) <= now) return target;
    }
    return targets[client.turn++ % targets.length];
  }

  private otherTarget(target: Target): Target {
    const targets = this.options.targets;
    return targets[(targets.indexOf(target) + 1) % targets.length];
  }

  private newFamily(client: number, refreshToken: string): Family {
    const family: Family = {
      client,
      delivered: [refreshToken],
      current: refreshToken,
      unresolved: false,
    };
    this.families.push(family);
    return family;
  }

  private clientCredentials(client: TrafficClient, target: Target): Promise<RequestRecord> {
    return this.post(
      target,
      'client_credentials',
      { grant_type: 'client_credentials', scope: FAULT_SCOPES.join(' ') },
      client,
      false,
    ).then(({ record }) => record);
  }

  /**
   * Rotates the client's refresh token: on a network error or a 5xx, the same token again on
   * the other instance, until a definite answer (bounded).
   */
  private async rotate(client: TrafficClient): Promise<void> {
    const family = client.family;
    if (family.unresolved) return;
    let target = this.nextTarget(client);
    const maxAttempts = this.options.maxAttempts ?? 40;
    const deadline = Date.now() + (this.options.maxRetryMs ?? 15_000);
    for (let attempt = 0; attempt < maxAttempts && Date.now() < deadline; attempt++) {
      const record = await this.refreshOnce(client, target, 'refresh', attempt > 0);
      if (record.status === 0 || record.status >= 500) {
        target = this.otherTarget(target);
        await sleep(Math.min(100 * (attempt + 1), 500));
        continue;
      }
      if (record.status === 400 && record.error === 'invalid_grant') {
        // The family is gone: count it, and give the client a new one to keep the traffic up.
        family.endedBy = record;
        await this.reseed(client);
      }
      return;
    }
    family.unresolved = true;
  }

  private async refreshOnce(
    client: TrafficClient,
    target: Target,
    kind: RequestKind,
    retry: boolean,
  ): Promise<RequestRecord> {
    const family = client.family;
    const { record, body } = await this.post(
      target,
      kind,
      { grant_type: 'refresh_token', refresh_token: family.current },
      client,
      retry,
    );
    if (record.status === 200) {
      const next = (body as { refresh_token?: string }).refresh_token;
      if (typeof next !== 'string') throw new Error('a refresh answered without a refresh token');
      family.delivered.push(next);
      family.current = next;
    }
    return record;
  }

  private async reseed(client: TrafficClient): Promise<void> {
    let target = this.nextTarget(client);
    for (let attempt = 0; attempt < 40; attempt++) {
      try {
        const seeded = await this.seedFamily(target, { clientId: client.clientId });
        client.family = this.newFamily(client.index, seeded.refreshToken);
        return;
      } catch {
        target = this.otherTarget(target);
        await sleep(200);
      }
    }
    throw new Error(`could not seed a new family for client ${client.index}`);
  }

  private async seedFamily(target: Target, body: { clientId?: string }): Promise<SeededFamily> {
    const response = await fetch(`${target.url}${FAULT_SEED_PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(this.options.requestTimeoutMs ?? 10_000),
    });
    const text = await response.text();
    if (response.status !== 200) throw new Error(`seed: ${response.status} ${text}`);
    return JSON.parse(text) as SeededFamily;
  }

  private async post(
    target: Target,
    kind: RequestKind,
    params: Record<string, string>,
    client: TrafficClient,
    retry: boolean,
  ): Promise<{ record: RequestRecord; body: unknown }> {
    const phase = this.options.phase();
    const basic = Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64');
    let record: RequestRecord;
    let body: unknown;
    try {
      const response = await fetch(`${target.url}${OAUTH_PATHS.token}`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${basic}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams(params).toString(),
        signal: AbortSignal.timeout(this.options.requestTimeoutMs ?? 10_000),
      });
      const text = await response.text();
      try {
        body = JSON.parse(text);
      } catch {
        body = undefined;
      }
      const error = body as { error?: string; error_description?: string } | undefined;
      record = {
        kind,
        target: target.name,
        phase,
        status: response.status,
        error: response.status === 200 ? undefined : (error?.error ?? 'not_json'),
        description: response.status === 200 ? undefined : error?.error_description,
        retry,
      };
      // A 503 may say when to come back; honour it, briefly (the retry loop is bounded).
      const retryAfter = Number(response.headers.get('retry-after'));
      if (response.status >= 500 && retryAfter > 0) await sleep(Math.min(retryAfter * 1000, 1000));
    } catch (err) {
      record = { kind, target: target.name, phase, status: 0, error: networkCode(err), retry };
      this.avoidUntil.set(target.name, Date.now() + (this.options.avoidMs ?? 500));
    }
    this.records.push(record);
    return { record, body };
  }
}

function networkCode(err: unknown): string {
  const e = err as { name?: string; code?: string; cause?: { code?: string; name?: string } };
  if (e?.name === 'TimeoutError') return 'timeout';
  return e?.cause?.code ?? e?.code ?? e?.cause?.name ?? e?.name ?? 'network';
}
