import { Batcher } from './batcher';

/** A batch function that records each batch and answers after the test lets it. */
function recordingBatcher(maxInFlight = 1, maxBatchSize = 64) {
  const batches: string[][] = [];
  const release: (() => void)[] = [];
  const batcher = new Batcher<string, string>(
    async (inputs) => {
      batches.push([...inputs]);
      await new Promise<void>((resolve) => release.push(resolve));
      if (inputs.includes('bad')) throw new Error('refused by the database');
      return inputs.map((input) => input.toUpperCase());
    },
    { maxInFlight, maxBatchSize },
  );
  const releaseAll = async () => {
    while (release.length > 0) {
      release.shift()!();
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  return { batcher, batches, releaseAll };
}

describe('Batcher', () => {
  it('runs a lone call at once, without waiting for company', async () => {
    const { batcher, batches, releaseAll } = recordingBatcher();
    const result = batcher.run('a');
    expect(batches).toEqual([['a']]);
    await releaseAll();
    await expect(result).resolves.toBe('A');
  });

  it('runs the calls that arrive while a batch is running together, each getting its own answer', async () => {
    const { batcher, batches, releaseAll } = recordingBatcher();
    const results = ['a', 'b', 'c', 'd'].map((input) => batcher.run(input));
    expect(batches).toEqual([['a']]);
    await releaseAll();
    await expect(Promise.all(results)).resolves.toEqual(['A', 'B', 'C', 'D']);
    expect(batches).toEqual([['a'], ['b', 'c', 'd']]);
  });

  it('keeps up to maxInFlight batches running and splits queues longer than maxBatchSize', async () => {
    const { batcher, batches, releaseAll } = recordingBatcher(2, 2);
    const results = ['a', 'b', 'c', 'd', 'e', 'f'].map((input) => batcher.run(input));
    expect(batches).toEqual([['a'], ['b']]);
    await releaseAll();
    await expect(Promise.all(results)).resolves.toEqual(['A', 'B', 'C', 'D', 'E', 'F']);
    expect(batches.slice(2).flat().sort()).toEqual(['c', 'd', 'e', 'f']);
    expect(batches.every((batch) => batch.length <= 2)).toBe(true);
  });

  it('fails only the call that fails on its own when a shared batch fails', async () => {
    const { batcher, releaseAll } = recordingBatcher();
    const first = batcher.run('first');
    const shared = ['x', 'bad', 'y'].map((input) =>
      batcher.run(input).then(
        (value) => ({ value }),
        (error: Error) => ({ error: error.message }),
      ),
    );
    await releaseAll();
    await expect(first).resolves.toBe('FIRST');
    await expect(Promise.all(shared)).resolves.toEqual([
      { value: 'X' },
      { error: 'refused by the database' },
      { value: 'Y' },
    ]);
  });

  it('goes on with later calls after a failure', async () => {
    const { batcher, releaseAll } = recordingBatcher();
    const failed = batcher.run('bad').catch((error: Error) => error.message);
    await releaseAll();
    await expect(failed).resolves.toBe('refused by the database');
    const next = batcher.run('next');
    await releaseAll();
    await expect(next).resolves.toBe('NEXT');
  });
});
