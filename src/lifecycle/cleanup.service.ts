import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { nowMs, secondsToMs } from '../common/time';
import { InjectOAuthConfig } from '../oauth.constants';
import type { OAuthConfig } from '../options/oauth-config';
import { AuthorizationCodeStore } from '../storage/stores/authorization-code.store';
import { ClientAssertionStore } from '../storage/stores/client-assertion.store';
import { InteractionStore } from '../storage/stores/interaction.store';
import { PushedRequestStore } from '../storage/stores/pushed-request.store';
import { TokenStore } from '../storage/stores/token.store';
import { DeviceAuthorizationStore } from '../storage/stores/device-authorization.store';
import { AttemptLimitStore } from '../storage/stores/attempt-limit.store';

export interface CleanupReport {
  codes: number;
  tokens: number;
  interactions: number;
  clientAssertions: number;
  pushedRequests: number;
  deviceAuthorizations: number;
  attemptLimits: number;
}

const BATCH_SIZE = 500;

/** A store's `deleteExpired`: at most `batchSize` rows expired before `now`; returns how many. */
type DeleteExpired = (now: number, batchSize: number) => Promise<number>;

/**
 * Deletes what can no longer be used: expired codes, interactions, pushed authorization
 * requests, device authorizations, assertion records and forgotten failed-attempt counters, and
 * token rows whose access token AND refresh family have expired (consumed refresh rows are kept
 * until then: they are how reuse is detected). Deletes in small batches by primary key, so it
 * never holds long locks, and is idempotent, so several instances may run it at once.
 */
@Injectable()
export class CleanupService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('OAuthCleanup');
  private timer?: NodeJS.Timeout;

  /** @internal Nest constructs it with internal services: inject it instead. */
  constructor(
    @InjectOAuthConfig() private readonly config: OAuthConfig,
    private readonly codes: AuthorizationCodeStore,
    private readonly interactions: InteractionStore,
    private readonly assertions: ClientAssertionStore,
    private readonly tokens: TokenStore,
    private readonly pushedRequests: PushedRequestStore,
    private readonly devices: DeviceAuthorizationStore,
    private readonly attempts: AttemptLimitStore,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.cleanup.enabled) return;
    this.timer = setInterval(() => {
      this.run().catch((error) => this.logger.warn(`Cleanup failed: ${(error as Error).message}`));
    }, secondsToMs(this.config.cleanup.interval));
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  async run(now = nowMs()): Promise<CleanupReport> {
    const inBatches = async (deleteExpired: DeleteExpired) => {
      let deleted = 0;
      for (;;) {
        const count = await deleteExpired(now, BATCH_SIZE);
        deleted += count;
        if (count < BATCH_SIZE) return deleted;
      }
    };
    return {
      codes: await inBatches((at, size) => this.codes.deleteExpired(at, size)),
      interactions: await inBatches((at, size) => this.interactions.deleteExpired(at, size)),
      clientAssertions: await inBatches((at, size) => this.assertions.deleteExpired(at, size)),
      pushedRequests: await inBatches((at, size) => this.pushedRequests.deleteExpired(at, size)),
      deviceAuthorizations: await inBatches((at, size) => this.devices.deleteExpired(at, size)),
      attemptLimits: await inBatches((at, size) => this.attempts.deleteExpired(at, size)),
      // A token row goes when its access token and its refresh family have both expired.
      tokens: await inBatches((at, size) => this.tokens.deleteExpired(at, size)),
    };
  }
}
