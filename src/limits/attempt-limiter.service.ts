import { Injectable } from '@nestjs/common';
import { sha256 } from '../common/crypto';
import { nowMs } from '../common/time';
import { AttemptLimitStore } from '../storage/stores/attempt-limit.store';

/** The longest wait, in seconds. */
export const MAX_WAIT_SECONDS = 15 * 60;
/** Failures are forgotten this long after the last one, in milliseconds. */
const FORGET_AFTER_MS = 60 * 60 * 1000;

/** Whose attempts: e.g. `{ kind: 'password-user', party: 'alice' }`. */
export interface AttemptParty {
  kind: string;
  party: string;
  /** Failures allowed before waits start. */
  maxFailures: number;
}

/**
 * Slows guessing down (passwords at the password grant, user codes at the device verification
 * page): after `maxFailures` failures in a row, each further failure makes the party wait,
 * 1 second and doubling up to 15 minutes; while it waits every attempt is refused, the right
 * one too, so guessing cannot go on at full speed. Counters live in the database, so every
 * instance sees them; parties are stored hashed.
 */
@Injectable()
export class AttemptLimiter {
  constructor(private readonly store: AttemptLimitStore) {}

  /** Seconds `party` must still wait before its next attempt; 0 when it may try now. */
  async waitFor(party: AttemptParty): Promise<number> {
    const row = await this.store.find(idOf(party));
    const now = nowMs();
    if (!row?.blockedUntil || row.blockedUntil <= now) return 0;
    return Math.ceil((row.blockedUntil - now) / 1000);
  }

  /** Counts a failure; returns the seconds the party must now wait (0 while failures are free). */
  async fail(party: AttemptParty): Promise<number> {
    const id = idOf(party);
    const now = nowMs();
    const failures = await this.store.addFailure(id, now, now + FORGET_AFTER_MS);
    const wait = waitAfter(failures, party.maxFailures);
    if (wait > 0) await this.store.block(id, now + wait * 1000);
    return wait;
  }

  /** Forgets the party's failures after a success. */
  async succeed(party: AttemptParty): Promise<void> {
    await this.store.clear(idOf(party));
  }
}

/** Seconds to wait after `failures` failures: none up to `maxFailures - 1`, then 1, 2, 4... */
export function waitAfter(failures: number, maxFailures: number): number {
  if (failures < maxFailures) return 0;
  return Math.min(MAX_WAIT_SECONDS, 2 ** Math.min(failures - maxFailures, 20));
}

const idOf = (party: AttemptParty): string => sha256(`${party.kind}\n${party.party}`);
