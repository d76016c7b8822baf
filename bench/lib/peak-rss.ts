// A server process's peak resident memory under one workload: VmHWM in /proc/<pid>/status, after
// resetting it to the current RSS (`5` into /proc/<pid>/clear_refs, Linux 4.0+) before each run.
// Where the reset is refused the figure is the peak since the process started, and says so.
import * as fs from 'node:fs';

export interface PeakRss {
  /** False where clear_refs is missing or refused: then every figure is a peak since start. */
  resettable: boolean;
  /** Sets the process's peak to its current RSS; false if that is not possible. */
  reset(pid: number): boolean;
  /** The peak RSS since start or the last reset, in MiB; undefined without /proc. */
  read(pid: number): number | undefined;
}

export function peakRss(): PeakRss {
  const tracker: PeakRss = {
    resettable: true,
    reset(pid) {
      if (!tracker.resettable) return false;
      try {
        fs.writeFileSync(`/proc/${pid}/clear_refs`, '5');
        return true;
      } catch {
        tracker.resettable = false;
        return false;
      }
    },
    read(pid) {
      try {
        const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
        const kib = /^VmHWM:\s+(\d+) kB$/m.exec(status)?.[1];
        return kib === undefined ? undefined : Math.round((Number(kib) / 1024) * 10) / 10;
      } catch {
        return undefined;
      }
    },
  };
  return tracker;
}
