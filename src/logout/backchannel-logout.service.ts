import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { nowSeconds, secondsToMs } from '../common/time';
import { OAuthEvents } from '../events/oauth-events';
import { signCompactJws } from '../keys/jws';
import { KeyRing } from '../keys/key-ring.service';
import { InjectOAuthConfig } from '../oauth.constants';
import type { OAuthConfig } from '../options/oauth-config';
import { idTokenSigningAlgorithm } from '../tokens/id-token.service';

/** Back-Channel Logout §2.4: the event a logout token carries. */
export const BACKCHANNEL_LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

/** Seconds a logout token is valid: §2.4 recommends at most two minutes. */
export const LOGOUT_TOKEN_TTL = 120;

/** A client to tell: its id and its registered `backchannel_logout_uri`. */
export interface BackchannelTarget {
  clientId: string;
  uri: string;
}

/**
 * OpenID Connect Back-Channel Logout 1.0: a signed logout token POSTed to each client's
 * registered `backchannel_logout_uri` (and to nothing else: no redirects are followed), in the
 * background so a slow client never delays the user, with a timeout per attempt and
 * `logout.backchannelRetries` further attempts 1, 4, 16... seconds apart. Each outcome is an
 * event. Deliveries live in this process only: those still waiting for a retry when the app
 * stops are dropped (docs/decisions.md, 26).
 */
@Injectable()
export class BackchannelLogout implements OnApplicationShutdown {
  private readonly logger = new Logger('OAuthLogout');
  private readonly inFlight = new Set<Promise<void>>();
  private readonly retries = new Set<NodeJS.Timeout>();
  private stopped = false;

  constructor(
    @InjectOAuthConfig() private readonly config: OAuthConfig,
    private readonly ring: KeyRing,
    private readonly events: OAuthEvents,
  ) {}

  /** Starts telling each target that `subject` signed out; returns at once. */
  notify(targets: BackchannelTarget[], subject: string): void {
    for (const target of targets) {
      this.track(
        this.logoutToken(target.clientId, subject).then(
          (token) => this.attempt(target, subject, token, 1),
          (error: unknown) =>
            this.logger.error(`Could not sign a logout token: ${(error as Error)?.message}`),
        ),
      );
    }
  }

  /** Resolves when every delivery started so far has finished its current attempt (tests, shutdown). */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /**
   * Back-Channel Logout §2.4: `typ` logout+jwt, iss, aud (the client), iat, exp, jti, the
   * back-channel logout event and `sub`; never a nonce. Signed like id_tokens, which the client
   * already verifies.
   */
  logoutToken(clientId: string, subject: string): Promise<string> {
    const key = this.ring.signingKey(idTokenSigningAlgorithm(this.config));
    const now = nowSeconds();
    return signCompactJws(
      { alg: key.alg, kid: key.kid, typ: 'logout+jwt' },
      {
        iss: this.config.issuer,
        aud: clientId,
        iat: now,
        exp: now + LOGOUT_TOKEN_TTL,
        jti: randomUUID(),
        sub: subject,
        events: { [BACKCHANNEL_LOGOUT_EVENT]: {} },
      },
      key,
    );
  }

  private async attempt(
    target: BackchannelTarget,
    subject: string,
    token: string,
    attempt: number,
  ): Promise<void> {
    const failure = await this.post(target.uri, token);
    const base = { clientId: target.clientId, subject, attempt };
    if (!failure) {
      this.events.emit({ type: 'backchannel_logout.delivered', ...base });
      return;
    }
    const willRetry = !this.stopped && attempt <= this.config.logout.backchannelRetries;
    this.events.emit({ type: 'backchannel_logout.failed', ...base, reason: failure, willRetry });
    if (!willRetry) {
      this.logger.warn(
        `Client ${target.clientId} was not told of a logout after ${attempt} attempt(s): ${failure}`,
      );
      return;
    }
    const timer = setTimeout(
      () => {
        this.retries.delete(timer);
        this.track(this.attempt(target, subject, token, attempt + 1));
      },
      secondsToMs(4 ** (attempt - 1)),
    );
    timer.unref();
    this.retries.add(timer);
  }

  /** One POST (§2.5); the reason it failed, or null when the client answered 2xx. */
  private async post(uri: string, token: string): Promise<string | null> {
    try {
      const response = await fetch(uri, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ logout_token: token }).toString(),
        // Only the registered URI: a redirect elsewhere is a failure, never followed.
        redirect: 'manual',
        signal: AbortSignal.timeout(secondsToMs(this.config.logout.backchannelTimeout)),
      });
      await response.body?.cancel().catch(() => undefined);
      return response.status >= 200 && response.status < 300 ? null : `HTTP ${response.status}`;
    } catch (error) {
      const name = (error as Error)?.name;
      return name === 'TimeoutError' || name === 'AbortError' ? 'timeout' : 'network error';
    }
  }

  private track(delivery: Promise<void>): void {
    this.inFlight.add(delivery);
    void delivery.finally(() => this.inFlight.delete(delivery));
  }

  /** Drops the retries still waiting and lets the attempts under way finish (each has a timeout). */
  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    for (const timer of this.retries) clearTimeout(timer);
    this.retries.clear();
    await this.settled();
  }
}
