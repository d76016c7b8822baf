// Rounds of measurements and the ratios between subjects. Per workload every subject is warmed
// up, then measured once per round, the order rotating from round to round, so two subjects
// compared are always measured within one round of each other: a ratio is taken per round and
// reported as the median of those per-round ratios with their min and max.
import type { Measurement } from './load';
import type { PeakRss } from './peak-rss';

/** What a subject's figure is compared to: another subject of the same workload. */
export interface Comparison {
  /** The other subject's key. */
  to: string;
  /** What the other subject is, for the table and the targets: 'oidc-provider', 'unprotected', ... */
  role: string;
  /** 'times' reads "1.12x oidc-provider"; 'share' reads "0.81 of unprotected". */
  style: 'times' | 'share';
}

export interface Subject {
  key: string;
  /** The server process the load goes to: its peak RSS during this subject's runs is reported. */
  pid: number;
  compareTo?: Comparison[];
  /** Set-up before each run that is not part of it (and not of its peak RSS), e.g. a token pool. */
  prepare?(seconds: number): Promise<void>;
  measure(seconds: number): Promise<Measurement>;
}

export interface Ratio extends Comparison {
  median: number;
  min: number;
  max: number;
}

export interface SubjectResult {
  median: number;
  /** Rate of each round, in round order (round i of every subject of a workload pair up). */
  runs: number[];
  p99Ms?: number;
  /** The server's peak RSS over this subject's warm-up and runs (see PeakRss.resettable). */
  peakRssMiB?: number;
  ratios: Ratio[];
  /** (a) only: the median over the machine's signatures/s (one signature per token). */
  signingLimitShare?: number;
}

export interface RoundOptions {
  warmupSeconds: number;
  runSeconds: number;
  runs: number;
}

/** Warm every subject up, then `runs` rounds, each subject once per round, rotating who goes first. */
export async function measureAll(
  workload: string,
  subjects: Subject[],
  options: RoundOptions,
  rss: PeakRss,
  log: (line: string) => void,
): Promise<Record<string, SubjectResult>> {
  const peaks = new Map<string, number>();
  // The peak RSS of the server during one measurement, kept per subject as the highest seen.
  const measure = async (subject: Subject, seconds: number) => {
    await subject.prepare?.(seconds);
    rss.reset(subject.pid);
    const measurement = await subject.measure(seconds);
    const peak = rss.read(subject.pid);
    if (peak !== undefined) peaks.set(subject.key, Math.max(peak, peaks.get(subject.key) ?? 0));
    return measurement;
  };
  const pad = Math.max(...subjects.map((subject) => subject.key.length));
  for (const subject of subjects) {
    const warm = await measure(subject, options.warmupSeconds);
    log(`[${workload}] warm-up ${subject.key.padEnd(pad)} ${Math.round(warm.rate)}/s`);
  }
  const runs = new Map<string, Measurement[]>(subjects.map((subject) => [subject.key, []]));
  for (let round = 0; round < options.runs; round++) {
    const shift = round % subjects.length;
    for (const subject of [...subjects.slice(shift), ...subjects.slice(0, shift)]) {
      const measurement = await measure(subject, options.runSeconds);
      runs.get(subject.key)!.push(measurement);
      log(
        `[${workload}] round ${round + 1} ${subject.key.padEnd(pad)} ${Math.round(measurement.rate)}/s`,
      );
    }
  }
  const rates = (key: string) => runs.get(key)!.map((measurement) => measurement.rate);
  return Object.fromEntries(
    subjects.map((subject) => {
      const measurements = runs.get(subject.key)!;
      const result: SubjectResult = {
        median: median(rates(subject.key)),
        runs: rates(subject.key).map(Math.round),
        ...(measurements[0].latencyP99Ms !== undefined
          ? { p99Ms: median(measurements.map((m) => m.latencyP99Ms!)) }
          : {}),
        ...(peaks.has(subject.key) ? { peakRssMiB: peaks.get(subject.key) } : {}),
        ratios: (subject.compareTo ?? [])
          .filter((comparison) => runs.has(comparison.to))
          .map((comparison) => ratio(comparison, rates(subject.key), rates(comparison.to))),
      };
      return [subject.key, result];
    }),
  );
}

/** The per-round ratios of two subjects measured in the same rounds. */
function ratio(comparison: Comparison, ours: number[], theirs: number[]): Ratio {
  const perRound = ours.map((rate, round) => rate / theirs[round]);
  return {
    ...comparison,
    median: median(perRound),
    min: Math.min(...perRound),
    max: Math.max(...perRound),
  };
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
