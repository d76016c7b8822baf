// Fault test: two instances of an app (test/fault/fault-app.ts, separate Node processes) on one
// dedicated PostgreSQL, under steady client_credentials and refresh token traffic from
// CLIENTS simulated clients (test/fault/fault-traffic.ts). Mid-traffic, instance A stops
// answering the token endpoint and is killed with SIGKILL (so refreshes it committed never
// reach their clients, who retry them on B), then PostgreSQL is stopped and started again,
// then A is started again. Checked, once the traffic has stopped:
//
// - no 5xx after recovery (5xx during the outage are allowed, and counted);
// - no refresh token family revoked because a client retried a refresh whose answer was lost;
// - no refresh token lost: every refresh token a client received is either spent (rotated, and
//   the client received its successor) or usable (its current one, neither spent nor revoked),
//   and every client's current one still works (one final refresh each).
//
// The counts are printed at the end (they are the point of the test in CI's output).
import { createHash } from 'node:crypto';
import { Client } from 'pg';
import { startAppProcess, type AppProcess } from '../support/app-process';
import { freePort } from '../support/free-port';
import { startThrowawayPostgres, type ThrowawayPostgres } from '../support/postgres';
import { FAULT_HOLD_PATH, FAULT_READY_LINE } from './fault-app';
import {
  FaultTraffic,
  OUTAGE,
  PHASES,
  type Phase,
  type RequestKind,
  type RequestRecord,
  type Target,
} from './fault-traffic';

const CLIENTS = 8;
const STEADY_MS = 3000;
/** How long A keeps swallowing token responses before it is killed. */
const HOLD_MS = 400;
const B_ALONE_MS = 1000;
const POSTGRES_DOWN_MS = 1500;
const RECOVERED_MS = 5000;

interface FaultReport {
  /** From the start of PostgreSQL to the end of the checks. */
  runMs: number;
  trafficMs: number;
  timeline: string;
  records: RequestRecord[];
  final: RequestRecord[];
  tokens: {
    delivered: number;
    spent: number;
    usable: number;
    lost: { family: number; client: number; why: string }[];
  };
  families: {
    total: number;
    /** Families whose last delivered refresh token is revoked in the database. */
    revokedInDatabase: number;
    /** Delivered refresh tokens whose row is revoked (a family revocation revokes them all). */
    deliveredRowsRevoked: number;
    /** Families a client saw end with invalid_grant during the traffic. */
    endedByInvalidGrant: RequestRecord[];
    unresolved: number;
  };
  /** Rotations the server committed whose new refresh token no client ever received. */
  undelivered: { count: number; revoked: number };
  instances: { name: string; exit: string; serverErrors: number; firstErrors: string[] }[];
  unexpectedExits: string[];
}

const sha256 = (value: string) => createHash('sha256').update(value).digest('base64url');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('fault: two instances on one PostgreSQL, one killed, PostgreSQL restarted', () => {
  let postgres: ThrowawayPostgres | undefined;
  const processes: AppProcess[] = [];
  let report: FaultReport | undefined;

  beforeAll(async () => {
    const started = Date.now();
    postgres = await startThrowawayPostgres({ dedicated: true });
    const ports = [await freePort(), await freePort()];
    const targets: Target[] = ports.map((port, i) => ({
      name: 'AB'[i],
      url: `http://127.0.0.1:${port}`,
    }));
    const start = (index: number) =>
      startAppProcess({
        name: `instance ${targets[index].name}`,
        script: 'test/fault/fault-app.ts',
        env: {
          FAULT_DATABASE_URL: postgres!.url,
          FAULT_PORT: String(ports[index]),
          // One issuer for both: they are one authorization server.
          FAULT_ISSUER: targets[0].url,
          NO_COLOR: '1',
        },
        readyLine: FAULT_READY_LINE,
      }).then((started) => {
        processes.push(started);
        return started;
      });
    // A migrates the empty database and creates the signing key; then B starts on it.
    const a = await start(0);
    await start(1);

    let phaseNow: Phase = 'steady';
    const phase = () => phaseNow;
    const traffic = new FaultTraffic({ targets, phase });
    await traffic.seed(CLIENTS);

    const t0 = Date.now();
    const at = () => `${((Date.now() - t0) / 1000).toFixed(1)}s`;
    const timeline: string[] = [];
    traffic.start();
    try {
      await sleep(STEADY_MS);
      phaseNow = 'a-killed';
      const hold = await fetch(`${targets[0].url}${FAULT_HOLD_PATH}`, { method: 'POST' });
      if (hold.status !== 200) throw new Error(`hold: ${hold.status}`);
      timeline.push(`A holds token responses ${at()}`);
      await sleep(HOLD_MS);
      await a.kill('SIGKILL');
      timeline.push(`A SIGKILLed ${at()}`);
      await sleep(B_ALONE_MS);
      phaseNow = 'db-down';
      timeline.push(`PostgreSQL stopped ${at()}`);
      await postgres.restart({ mode: 'fast', downMs: POSTGRES_DOWN_MS });
      phaseNow = 'db-back';
      timeline.push(`PostgreSQL up ${at()}`);
      await start(0);
      phaseNow = 'recovered';
      timeline.push(`A up again (recovered) ${at()}`);
      await sleep(RECOVERED_MS);
    } finally {
      await traffic.stop();
    }
    const trafficMs = Date.now() - t0;
    timeline.push(`traffic stopped ${at()}`);

    const final = await traffic.finalRefreshes();
    const checked = await checkTokens(postgres.url, traffic);
    report = {
      ...checked,
      runMs: Date.now() - started,
      trafficMs,
      timeline: timeline.join(', '),
      records: traffic.records,
      final,
      instances: processes.map((p) => {
        const errors = /ERROR|Unexpected|Error:/;
        return {
          name: p.name,
          exit: p.exitStatus ?? 'running',
          serverErrors: p.countLines(errors),
          firstErrors: [
            ...new Set(
              p
                .output()
                .split('\n')
                .filter((line) => errors.test(line))
                .map((line) => line.replace(/^.*?(ERROR|Error)/, '$1').slice(0, 160)),
            ),
          ].slice(0, 3),
        };
      }),
      unexpectedExits: processes
        .filter((p) => p.exited && !p.killed)
        .map((p) => `${p.name} exited (${p.exitStatus}):\n${p.output()}`),
    };
  }, 120_000);

  afterAll(async () => {
    if (report) process.stdout.write(formatReport(report));
    await Promise.all(processes.map((p) => p.kill('SIGKILL')));
    await postgres?.stop();
  }, 60_000);

  it('keeps every instance up unless it is killed, and answers no 5xx before the fault', () => {
    const r = report!;
    expect(r.unexpectedExits).toEqual([]);
    expect(r.records.filter((x) => x.phase === 'steady' && x.status >= 500)).toEqual([]);
  });

  it('really loses responses: refreshes A committed but never answered, retried on B', () => {
    const r = report!;
    expect(r.undelivered.count).toBeGreaterThan(0);
    expect(r.records.filter((x) => OUTAGE.includes(x.phase) && x.retry).length).toBeGreaterThan(0);
    for (const target of ['A', 'B']) {
      expect(
        r.records.filter((x) => x.phase === 'recovered' && x.target === target && x.status === 200)
          .length,
      ).toBeGreaterThan(0);
    }
  });

  it('answers no 5xx after recovery', () => {
    const after = report!.records.filter((x) => x.phase === 'recovered' && x.status >= 500);
    expect(after.slice(0, 5)).toEqual([]);
  });

  it('revokes no family because a client retried a refresh', () => {
    const r = report!;
    expect({
      revokedInDatabase: r.families.revokedInDatabase,
      endedByInvalidGrant: r.families.endedByInvalidGrant.slice(0, 5),
    }).toEqual({ revokedInDatabase: 0, endedByInvalidGrant: [] });
  });

  it('loses no refresh token: each delivered one is spent or current, and every current one works', () => {
    const r = report!;
    expect(r.tokens.lost.slice(0, 5)).toEqual([]);
    expect(r.families.unresolved).toBe(0);
    expect(r.final.filter((x) => x.status !== 200)).toEqual([]);
  });
});

/** Reads the fate of every refresh token the clients received from the database. */
async function checkTokens(
  url: string,
  traffic: FaultTraffic,
): Promise<Pick<FaultReport, 'tokens' | 'families' | 'undelivered'>> {
  const db = new Client({ connectionString: url });
  await db.connect();
  let rows: {
    refresh_token_hash: string;
    family_id: string;
    refresh_consumed_at: unknown;
    revoked_at: unknown;
  }[];
  try {
    rows = (
      await db.query(
        `SELECT refresh_token_hash, family_id, refresh_consumed_at, revoked_at FROM oauth_tokens
         WHERE refresh_token_hash IS NOT NULL AND client_id = ANY($1)`,
        [traffic.clients.map((c) => c.clientId)],
      )
    ).rows;
  } finally {
    await db.end();
  }
  const byHash = new Map(rows.map((row) => [row.refresh_token_hash, row]));
  const delivered = new Set<string>();
  let revokedFamilies = 0;
  let deliveredRowsRevoked = 0;
  const ourFamilies = new Set<string>();
  const tokens: FaultReport['tokens'] = { delivered: 0, spent: 0, usable: 0, lost: [] };
  traffic.families.forEach((family, index) => {
    family.delivered.forEach((token, position) => {
      const hash = sha256(token);
      delivered.add(hash);
      tokens.delivered++;
      const row = byHash.get(hash);
      const lost = (why: string) => tokens.lost.push({ family: index, client: family.client, why });
      if (!row) return lost('not in the database');
      ourFamilies.add(row.family_id);
      const last = position === family.delivered.length - 1;
      if (row.revoked_at !== null) deliveredRowsRevoked++;
      if (row.revoked_at !== null && last) revokedFamilies++;
      // Spent: rotated, and the client got what replaced it. Usable: the client's current one.
      if (!last) {
        if (row.refresh_consumed_at !== null) tokens.spent++;
        else lost('replaced, yet never spent');
      } else if (row.refresh_consumed_at !== null) lost('the current one, spent with no successor');
      else if (row.revoked_at !== null) lost('the current one, revoked');
      else tokens.usable++;
    });
  });
  const undelivered = rows.filter(
    (row) => ourFamilies.has(row.family_id) && !delivered.has(row.refresh_token_hash),
  );
  return {
    tokens,
    families: {
      total: traffic.families.length,
      revokedInDatabase: revokedFamilies,
      deliveredRowsRevoked,
      endedByInvalidGrant: traffic.families
        .map((f) => f.endedBy)
        .filter((r): r is RequestRecord => r !== undefined),
      unresolved: traffic.families.filter((f) => f.unresolved).length,
    },
    undelivered: {
      count: undelivered.length,
      revoked: undelivered.filter((row) => row.revoked_at !== null).length,
    },
  };
}

function formatReport(r: FaultReport): string {
  const pad = (value: string | number, width: number) => String(value).padStart(width);
  const lines: string[] = [];
  lines.push('');
  lines.push(
    `fault test: ${CLIENTS} clients, 2 instances, ${(r.trafficMs / 1000).toFixed(1)} s of traffic ` +
      `(${(r.runMs / 1000).toFixed(1)} s in all)`,
  );
  lines.push(`  ${r.timeline}`);
  lines.push(
    `  ${'phase'.padEnd(10)}${pad('requests', 9)}${pad('2xx', 7)}${pad('4xx', 6)}${pad('5xx', 6)}` +
      `${pad('network', 9)}${pad('retries', 9)}`,
  );
  for (const phase of PHASES) {
    const of = r.records.filter((x) => x.phase === phase);
    lines.push(
      `  ${phase.padEnd(10)}${pad(of.length, 9)}` +
        `${pad(of.filter((x) => x.status >= 200 && x.status < 300).length, 7)}` +
        `${pad(of.filter((x) => x.status >= 400 && x.status < 500).length, 6)}` +
        `${pad(of.filter((x) => x.status >= 500).length, 6)}` +
        `${pad(of.filter((x) => x.status === 0).length, 9)}` +
        `${pad(of.filter((x) => x.retry).length, 9)}`,
    );
  }
  const tally = (records: RequestRecord[]) => {
    const counts = new Map<string, number>();
    for (const x of records) {
      const key = x.status === 0 ? x.error! : `${x.status} ${x.error}`;
      const label = x.description ? `${key} (${x.description})` : key;
      counts.set(label, (counts.get(label) ?? 0) + 1);
    }
    return [...counts].map(([label, n]) => `${n} x ${label}`).join('; ') || 'none';
  };
  const ok = (kind: RequestKind) =>
    r.records.filter((x) => x.kind === kind && x.status === 200).length;
  lines.push(
    `  answered 200: client_credentials ${ok('client_credentials')}, refresh ${ok('refresh')}, ` +
      `final refresh ${ok('final_refresh')}/${r.final.length}`,
  );
  lines.push(`  4xx: ${tally(r.records.filter((x) => x.status >= 400 && x.status < 500))}`);
  lines.push(`  5xx: ${tally(r.records.filter((x) => x.status >= 500))}`);
  lines.push(`  network errors: ${tally(r.records.filter((x) => x.status === 0))}`);
  lines.push(
    `  refresh tokens: delivered ${r.tokens.delivered}, spent ${r.tokens.spent}, ` +
      `usable ${r.tokens.usable}, lost ${r.tokens.lost.length}`,
  );
  lines.push(
    `  families: ${r.families.total}, revoked ${r.families.revokedInDatabase} ` +
      `(delivered tokens revoked ${r.families.deliveredRowsRevoked}), ended by invalid_grant ` +
      `${r.families.endedByInvalidGrant.length} (after a retry ` +
      `${r.families.endedByInvalidGrant.filter((x) => x.retry).length}), ` +
      `unresolved ${r.families.unresolved}`,
  );
  lines.push(
    `  rotations committed but never answered: ${r.undelivered.count} ` +
      `(their new token revoked: ${r.undelivered.revoked})`,
  );
  for (const i of r.instances) {
    lines.push(
      `  ${i.name}: ${i.exit}, ${i.serverErrors} error lines` +
        (i.firstErrors.length ? `: ${i.firstErrors.join(' | ')}` : ''),
    );
  }
  return `${lines.join('\n')}\n\n`;
}
