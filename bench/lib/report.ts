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
    met: (ratio: Ratio) => boolean,
  ) => {
    for (const workload of workloads)
      for (const [subject, result] of Object.entries(results[workload] ?? {})) {
        const ratio = result.ratios.find((candidate) => candidate.role === role);
        if (subject.startsWith('ours') && ratio)
          checks.push({
            target: target(workload, subject),
            met: met(ratio),
            detail: formatRatio(ratio, runs > 1),
          });
      }
  };
  check(
    ['a'],
    'oidc-provider',
    (_, subject) => `client_credentials >= 1.5x oidc-provider (${subject})`,
    (ratio) => ratio.median >= 1.5,
  );
  check(
    ['c'],
    'unprotected',
    (_, subject) => `protected route >= 0.85 of unprotected (${subject})`,
    (ratio) => ratio.median >= 0.85,
  );
  check(
    ['a', 'b', 'd', 'e'],
    'oidc-provider',
    (workload, subject) => `not below oidc-provider: ${WORKLOADS[workload]} (${subject})`,
    (ratio) => ratio.median >= 1,
  );
  check(
    ['c'],
    'jose guard',
    (_, subject) => `not below a jose guard (oidc-provider has none): protected route (${subject})`,
    (ratio) => ratio.median >= 1,
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
