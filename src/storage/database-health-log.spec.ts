import { Logger } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { DatabaseHealthLog } from './database-health-log';

const refused = () =>
  Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });

describe('DatabaseHealthLog', () => {
  let warn: jest.SpyInstance;
  let log: jest.SpyInstance;
  let reachable: boolean;
  let probes: number;
  const dataSource = {
    isInitialized: true,
    query: jest.fn(async () => {
      probes++;
      if (!reachable) throw refused();
      return [{ 1: 1 }];
    }),
  } as Partial<DataSource> as DataSource;

  beforeEach(() => {
    jest.useFakeTimers();
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    log = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    reachable = false;
    probes = 0;
  });

  afterEach(() => {
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  /** Runs the timers and the probe's promise. */
  const advance = async (ms: number) => {
    await jest.advanceTimersByTimeAsync(ms);
  };

  it('warns once for 50 failed requests of one outage, and says once when it is over', async () => {
    const health = new DatabaseHealthLog(dataSource);
    for (let i = 0; i < 50; i++) {
      health.reportUnavailable(refused());
      await advance(100); // 5 s of requests, while probes keep failing
    }
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0][0]).toBe(
      'Database unavailable (ECONNREFUSED): answering 503 temporarily_unavailable with ' +
        'Retry-After: 5 until it is reachable again.',
    );
    expect(log).not.toHaveBeenCalled();
    // One probe a second, one at a time.
    expect(probes).toBeGreaterThanOrEqual(4);
    expect(probes).toBeLessThanOrEqual(5);

    reachable = true;
    await advance(1000);
    expect(log).toHaveBeenCalledTimes(1);
    expect(log.mock.calls[0][0]).toBe('Database reachable again.');

    // Back to normal: no more probes, and a new outage is a new warning.
    const probesAfterRecovery = probes;
    await advance(10_000);
    expect(probes).toBe(probesAfterRecovery);
    reachable = false;
    health.reportUnavailable(refused());
    health.reportUnavailable(refused());
    expect(warn).toHaveBeenCalledTimes(2);
    health.onModuleDestroy();
  });

  it('names the error code only, never the message (it may hold a host or a query)', () => {
    const health = new DatabaseHealthLog(dataSource);
    const wrapped = Object.assign(new Error('SELECT * FROM oauth_tokens WHERE secret = $1'), {
      name: 'QueryFailedError',
      driverError: { code: '57P01' },
    });
    health.reportUnavailable(wrapped);
    expect(warn.mock.calls[0][0]).toMatch(/^Database unavailable \(57P01\)/);
    expect(warn.mock.calls[0][0]).not.toContain('SELECT');
    health.onModuleDestroy();
  });

  it('stops probing when the module is destroyed', async () => {
    const health = new DatabaseHealthLog(dataSource);
    health.reportUnavailable(refused());
    health.onModuleDestroy();
    await advance(5000);
    expect(probes).toBe(0);
    expect(log).not.toHaveBeenCalled();
  });

  it('without a DataSource (a filter made with new): warns again only after a quiet minute', async () => {
    const health = new DatabaseHealthLog();
    health.reportUnavailable(refused());
    await advance(30_000);
    health.reportUnavailable(refused());
    expect(warn).toHaveBeenCalledTimes(1);
    await advance(61_000);
    health.reportUnavailable(refused());
    expect(warn).toHaveBeenCalledTimes(2);
  });
});
