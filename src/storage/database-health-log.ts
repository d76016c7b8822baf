import { Injectable, Logger, OnModuleDestroy, Optional } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { InjectOAuthDataSource } from '../oauth.constants';
import { DATABASE_RETRY_AFTER_SECONDS } from './database-unavailable';

/** How often, during an outage, one `SELECT 1` checks whether the database is back. */
const PROBE_INTERVAL_MS = 1000;
/** Without a DataSource to probe: an outage is over when no failure was seen for this long. */
const QUIET_PERIOD_MS = 60_000;

/**
 * Logs a database outage once, not once per request: one warning at the first request that
 * found the database unavailable, one info line when it is reachable again. Nothing else
 * changes while it is down: every request still goes to the database (no circuit breaker), so
 * the first request after the database is back succeeds. Recovery is noticed by a `SELECT 1`
 * every second while the outage lasts, one at a time, so the line is written even when no
 * request comes. Lines name the driver's error code, never the request, a token or a secret.
 */
@Injectable()
export class DatabaseHealthLog implements OnModuleDestroy {
  private readonly logger = new Logger('OAuth');
  private down = false;
  private lastFailureMs = 0;
  private probe?: NodeJS.Timeout;
  private destroyed = false;

  constructor(@Optional() @InjectOAuthDataSource() private readonly dataSource?: DataSource) {}

  /** A request failed because `isDatabaseUnavailable(error)`. */
  reportUnavailable(error: unknown): void {
    const now = Date.now();
    const quiet = now - this.lastFailureMs > QUIET_PERIOD_MS;
    this.lastFailureMs = now;
    if (this.down && (this.dataSource || !quiet)) return;
    this.down = true;
    this.logger.warn(
      `Database unavailable (${codeOf(error)}): answering 503 temporarily_unavailable with ` +
        `Retry-After: ${DATABASE_RETRY_AFTER_SECONDS} until it is reachable again.`,
    );
    this.scheduleProbe();
  }

  onModuleDestroy(): void {
    this.destroyed = true;
    clearTimeout(this.probe);
  }

  private scheduleProbe(): void {
    const dataSource = this.dataSource;
    if (!dataSource || this.destroyed) return;
    this.probe = setTimeout(() => {
      this.probe = undefined;
      if (this.destroyed || !dataSource.isInitialized) return;
      dataSource.query('SELECT 1').then(
        () => {
          if (this.destroyed) return;
          this.down = false;
          this.logger.log('Database reachable again.');
        },
        () => this.scheduleProbe(),
      );
    }, PROBE_INTERVAL_MS);
    this.probe.unref();
  }
}

/** The driver's error code (ECONNREFUSED, 57P01, PROTOCOL_CONNECTION_LOST, SQLITE_BUSY), or a name. */
function codeOf(error: unknown): string {
  const candidates = [
    error,
    (error as { driverError?: unknown })?.driverError,
    (error as { errors?: unknown[] })?.errors?.[0],
    (error as { cause?: unknown })?.cause,
  ];
  for (const candidate of candidates) {
    const code = (candidate as { code?: unknown } | undefined)?.code;
    if (typeof code === 'string' && /^[\w-]{1,40}$/.test(code)) return code;
  }
  const name = (error as Error | undefined)?.name;
  return typeof name === 'string' ? name.slice(0, 40) : 'error';
}
