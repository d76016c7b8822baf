import { Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { OAuthEvents } from '../../events/oauth-events';
import {
  REVOCATION_CHANNEL,
  REVOCATION_TRIGGER,
} from '../migrations/1764300000000-oauth-revocation-notify';
import { RevocationFeed } from '../revocation-feed';

/** How often the listening connection proves it is alive. */
const HEARTBEAT_MS = 1000;
/** With no proof for this long, the feed is not live: every check reads the row again. */
const PROOF_VALID_MS = 3000;

interface PgListener {
  query(sql: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
  on(event: 'notification', listener: (message: { channel: string }) => void): void;
  on(event: 'error' | 'end', listener: (error?: Error) => void): void;
  removeAllListeners(): void;
  release(destroy?: boolean | Error): void;
}

/**
 * The revocation feed on PostgreSQL: one pooled connection kept for `LISTEN` on the channel
 * the revocation trigger notifies at every commit that revokes or deletes token rows (any
 * instance, any SQL). This instance's own revocations bump the epoch at once through its
 * `token.revoked` events; other instances' arrive as notifications, within milliseconds.
 *
 * Live only while proven: a `SELECT 1` on the listening connection every second. PostgreSQL
 * delivers pending notifications before a query's answer, so an answer proves that every
 * revocation committed before the query started was heard. Without such a proof in the last
 * three seconds (connection lost, or silently dead), or without the trigger (its migration not
 * run), the feed is not live and the strict check reads every row, as without it.
 */
export class PostgresRevocationFeed
  extends RevocationFeed
  implements OnApplicationBootstrap, OnModuleDestroy
{
  epoch = 0;
  private listener?: PgListener;
  private provenAt = 0;
  private heartbeatRunning = false;
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private readonly logger = new Logger('OAuth');

  constructor(
    private readonly dataSource: DataSource,
    events: OAuthEvents,
  ) {
    super();
    events.on('token.revoked', () => this.epoch++);
  }

  isLive(): boolean {
    return this.listener !== undefined && Date.now() - this.provenAt < PROOF_VALID_MS;
  }

  /**
   * Once the whole app has started: an app whose start fails (a key that does not decrypt, say)
   * never calls onModuleDestroy, and a pooled connection kept for LISTEN would then hold its
   * pool open forever.
   */
  async onApplicationBootstrap(): Promise<void> {
    await this.listen();
    this.timer = setInterval(() => void this.heartbeat(), HEARTBEAT_MS);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    const listener = this.listener;
    this.listener = undefined;
    if (!listener) return;
    listener.removeAllListeners();
    try {
      await listener.query('UNLISTEN *');
      listener.release();
    } catch {
      listener.release(true);
    }
  }

  private async listen(): Promise<void> {
    const pool = (
      this.dataSource.driver as unknown as { master: { connect(): Promise<PgListener> } }
    ).master;
    let listener: PgListener | undefined;
    try {
      listener = await pool.connect();
      const trigger = await listener.query('SELECT 1 FROM pg_trigger WHERE tgname = $1', [
        REVOCATION_TRIGGER,
      ]);
      if (trigger.rows.length === 0) {
        listener.release();
        this.stopped = true;
        this.logger.warn(
          'The revocation trigger is missing (migration OAuthRevocationNotify1764300000000 not run): every strict revocation check reads the database.',
        );
        return;
      }
      listener.on('notification', (message) => {
        if (message.channel === REVOCATION_CHANNEL) this.epoch++;
      });
      listener.on('error', () => this.drop());
      listener.on('end', () => this.drop());
      const started = Date.now();
      await listener.query(`LISTEN "${REVOCATION_CHANNEL}"`);
      // Whatever was remembered before this connection listened is unproven.
      this.epoch++;
      this.listener = listener;
      this.provenAt = started;
    } catch {
      listener?.release(true);
    }
  }

  /** Proves the connection alive, or drops it (and listens again on the next beat). */
  private async heartbeat(): Promise<void> {
    if (this.stopped || this.heartbeatRunning) {
      // A heartbeat that never answers: the connection is dead without having said so.
      if (this.heartbeatRunning && Date.now() - this.provenAt > PROOF_VALID_MS) this.drop();
      return;
    }
    this.heartbeatRunning = true;
    try {
      const listener = this.listener;
      if (!listener) return await this.listen();
      const started = Date.now();
      await listener.query('SELECT 1');
      if (this.listener === listener) this.provenAt = started;
    } catch {
      this.drop();
    } finally {
      this.heartbeatRunning = false;
    }
  }

  private drop(): void {
    const listener = this.listener;
    this.listener = undefined;
    this.epoch++;
    if (!listener) return;
    listener.removeAllListeners();
    listener.release(true);
  }
}
