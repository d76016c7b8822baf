/**
 * Coalesces concurrent database work into fewer statements. A call runs at once while fewer
 * than `maxInFlight` batches are running; otherwise it waits for one of them to finish and then
 * runs together with every other call that waited meanwhile. An idle server adds no delay; a
 * busy one makes one round trip for many requests instead of one each. Nothing is cached or
 * timed: a call's statement always starts after the call was made, so it sees what a statement
 * of its own would have seen.
 *
 * When a batch of several calls fails, each call runs again on its own, so one bad input (say, a
 * string PostgreSQL refuses) fails only its own caller. `runBatch` must leave nothing behind when
 * it fails (one statement does not).
 */
export class Batcher<In, Out> {
  private pending: Call<In, Out>[] = [];
  private inFlight = 0;

  constructor(
    /** Runs the inputs together; returns one output per input, in order. */
    private readonly runBatch: (inputs: In[]) => Promise<Out[]>,
    private readonly limits: { maxBatchSize: number; maxInFlight: number },
  ) {}

  run(input: In): Promise<Out> {
    return new Promise<Out>((resolve, reject) => {
      this.pending.push({ input, resolve, reject });
      if (this.inFlight < this.limits.maxInFlight) this.startBatch();
    });
  }

  private startBatch(): void {
    const calls = this.pending.splice(0, this.limits.maxBatchSize);
    this.inFlight++;
    void this.settle(calls).finally(() => {
      this.inFlight--;
      if (this.pending.length > 0) this.startBatch();
    });
  }

  private async settle(calls: Call<In, Out>[]): Promise<void> {
    try {
      const outputs = await this.runBatch(calls.map((call) => call.input));
      calls.forEach((call, index) => call.resolve(outputs[index]));
    } catch (error) {
      if (calls.length === 1) return calls[0].reject(error);
      // One by one: only a call that cannot succeed on its own sees an error.
      await Promise.all(
        calls.map((call) =>
          this.runBatch([call.input]).then(([output]) => call.resolve(output), call.reject),
        ),
      );
    }
  }
}

interface Call<In, Out> {
  input: In;
  resolve(output: Out): void;
  reject(error: unknown): void;
}
