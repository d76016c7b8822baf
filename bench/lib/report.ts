// The bench's results as a table (console and Markdown, the same aligned text) and the checks
// against issue targets. Ratios print as "median (min-max)" of the per-round ratios.
import type { Ratio, SubjectResult } from './measure';

export type Results = Record<string, Record<string, SubjectResult>>;

export const WORKLOADS: Record<string, string> = {
  a: '(a) client_credentials',
  b: '(b) refresh_token',
  c: '(c) protected route',
  d: '(d) code flows',
  e: '(e) introspection',
};

export interface Row {
  workload: string;
  subject: string;
  rate: number;
  ratio: string;
  /** (a) only: tokens/s as a share of the machine's signatures/s (one signature per token). */
  signingLimit: string;
  peakRss: string;
  runs: string;
}

export function formatRatio(ratio: Ratio, withSpread: boolean): string {
  const value = (n: number) => n.toFixed(2);
  const head =
    ratio.style === 'times'
      ? `${value(ratio.median)}x ${ratio.role}`
      : `${value(ratio.median)} of ${ratio.role}`;
  return withSpread ? `${head} (${value(ratio.min)}-${value(ratio.max)})` : head;
}

export function rows(results: Results, runs: number): Row[] {
  return Object.entries(results).flatMap(([workload, subjects]) =>
    Object.entries(subjects).map(([subject, result]) => ({
      workload: WORKLOADS[workload],
      subject,
      rate: Math.round(result.median),
      ratio: result.ratios.map((ratio) => formatRatio(ratio, runs > 1)).join(', '),
      signingLimit:
        result.signingLimitShare === undefined
          ? ''
          : `${(result.signingLimitShare * 100).toFixed(0)} %`,
      peakRss: result.peakRssMiB === undefined ? '' : String(Math.round(result.peakRssMiB)),
      runs: result.runs.join(' / '),
    })),
  );
}

const COLUMNS: { title: string; of: (row: Row) => string; right?: boolean }[] = [
  { title: 'workload', of: (row) => row.workload },
  { title: 'subject', of: (row) => row.subject },
  { title: 'median /s', of: (row) => String(row.rate), right: true },
  { title: 'ratio (min-max of rounds)', of: (row) => row.ratio },
  { title: 'of signing limit', of: (row) => row.signingLimit, right: true },
  { title: 'peak RSS MiB', of: (row) => row.peakRss, right: true },
  { title: 'runs /s', of: (row) => row.runs },
];

/** A Markdown table padded to align, readable as it is on a terminal; empty columns are left out. */
export function table(rows: Row[]): string {
  const columns = COLUMNS.filter((column) => rows.some((row) => column.of(row) !== ''));
  const cells = rows.map((row) => columns.map((column) => column.of(row)));
  const widths = columns.map((column, i) =>
    Math.max(column.title.length, 3, ...cells.map((line) => line[i].length)),
  );
  const line = (values: string[]) =>
    `| ${values.map((value, i) => (columns[i].right ? value.padStart(widths[i]) : value.padEnd(widths[i]))).join(' | ')} |`;
  const rule = `| ${columns.map((column, i) => (column.right ? `${'-'.repeat(widths[i] - 1)}:` : '-'.repeat(widths[i]))).join(' | ')} |`;
  return [line(columns.map((column) => column.title)), rule, ...cells.map(line)].join('\n');
}

export interface TargetCheck {
  target: string;
  met: boolean;
  detail: string;
}

/** Issue targets, for each subject of ours that has the ratio in question. */
export function targets(results: Results, runs: number): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const check = (
    workloads: string[],
    role: string,
    target: (workload: string, subject: string) => string,
    met: (ratio: Ratio & { workload: string }) => boolean,
    applies: (subject: string) => boolean,
  ) => {
    for (const workload of workloads)
      for (const [subject, result] of Object.entries(results[workload] ?? {})) {
        const ratio = result.ratios.find((candidate) => candidate.role === role);
        if (applies(subject) && ratio)
          checks.push({
            target: target(workload, subject),
            met: met({ ...ratio, workload }),
            detail: formatRatio(ratio, runs > 1),
          });
      }
  };
  // Issue #13's targets, on Fastify (ratios of one run): client_credentials >= 1.2x
  // oidc-provider, refresh and introspection >= 1.0x, code flows >= 1.3x, strict guard >= 90%
  // of the same unprotected Fastify route.
  const onFastify = (subject: string) => subject.startsWith('ours Fastify');
  const minimum: Record<string, number> = { a: 1.2, b: 1, d: 1.3, e: 1 };
  check(
    ['a', 'b', 'd', 'e'],
    'oidc-provider',
    (workload, subject) =>
      `${WORKLOADS[workload]} >= ${minimum[workload]}x oidc-provider (${subject})`,
    (ratio) => ratio.median >= minimum[ratio.workload],
    onFastify,
  );
  check(
    ['c'],
    'unprotected',
    (_, subject) => `strict guard >= 0.9 of the unprotected route (${subject})`,
    (ratio) => ratio.median >= 0.9,
    (subject) => onFastify(subject) && subject.endsWith('strict'),
  );
  return checks;
}

export function markdown(
  heading: string[],
  rowsOfRun: Row[],
  checks: TargetCheck[],
  environment: Record<string, unknown>,
): string {
  return [
    ...heading,
    '',
    table(rowsOfRun),
    '',
    ...checks.map(
      (check) => `- ${check.met ? 'met' : '**not met**'}: ${check.target}: ${check.detail}`,
    ),
    '',
    '```json',
    JSON.stringify(environment, null, 2),
    '```',
    '',
  ].join('\n');
}
