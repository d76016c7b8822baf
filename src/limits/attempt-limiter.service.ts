import { Injectable } from '@nestjs/common';
import { sha256 } from '../common/crypto';
import { nowMs } from '../common/time';
import type { OAuthAttemptLimit } from '../storage/entities/oauth-attempt-limit.entity';
import { AttemptCount, AttemptLimitStore } from '../storage/stores/attempt-limit.store';

/** The longest wait, in seconds. */
export const MAX_WAIT_SECONDS = 15 * 60;
/** Failures are forgotten this long after the last one, in milliseconds. */
const FORGET_AFTER_MS = 60 * 60 * 1000;
/** Compare-and-set rounds before an attempt lost to concurrent ones is refused (fail closed). */
const MAX_ROUNDS = 10;

/** Whose attempts: e.g. `{ kind: 'password-user', party: 'alice' }`. */
export interface AttemptParty {
  kind: string;
  party: string;
  /** Failures allowed before waits start. */
  maxFailures: number;
  /**
   * Whether a success forgets the party's earlier failures: yes when the success proves the
   * party's own secret (a user's password); no for a party shared by many (a client, an
   * address), where an attacker's own good sign-in would otherwise reset the count.
   */
  forgetsOnSuccess: boolean;
}

/** What `attempt` decided. */
export type AttemptDecision =
  | { allowed: false; /** Seconds to wait before the next attempt. */ wait: number }
  | ({ allowed: true } & CountedAttempt);

/** An attempt let through, already counted as a failure until it says otherwise. */
export interface CountedAttempt {
  /** Seconds the parties must wait now if this attempt turns out wrong (0: not yet). */
  readonly waitIfWrong: number;
  /** The attempt was right: forgets or takes back its counts (see `forgetsOnSuccess`). */
  succeeded(): Promise<void>;
  /** The attempt could not be judged (the check itself failed): takes back its counts. */
  withdraw(): Promise<void>;
}

/**
 * Slows guessing down (passwords at the password grant, user codes at the device verification
 * page): after `maxFailures` failures in a row, each further failure makes the party wait,
 * 1 second and doubling up to 15 minutes; while it waits every attempt is refused, the right
 * one too, so guessing cannot go on at full speed.
 *
 * An attempt is counted before it is checked, in one compare-and-set per party, and the one
 * that reaches the limit sets the wait at the same moment: a burst of parallel guesses gets
 * exactly `maxFailures` of them checked, never more. A right attempt then takes its count back.
 * Counters live in the database, so every instance sees them; parties are stored hashed.
 */
@Injectable()
export class AttemptLimiter {
  constructor(private readonly store: AttemptLimitStore) {}

  /** Counts an attempt of every party, or refuses it (uncounted) while one of them waits. */
  async attempt(parties: AttemptParty[]): Promise<AttemptDecision> {
    const counted: AttemptParty[] = [];
    let waitIfWrong = 0;
    for (const party of parties) {
      const outcome = await this.count(party);
      if (outcome.refused) {
        await Promise.all(counted.map((done) => this.takeBack(done)));
        return { allowed: false, wait: outcome.wait };
      }
      counted.push(party);
      waitIfWrong = Math.max(waitIfWrong, outcome.waitIfWrong);
    }
    return {
      allowed: true,
      waitIfWrong,
      succeeded: async () => {
        await Promise.all(
          counted.map((party) =>
            party.forgetsOnSuccess ? this.store.clear(idOf(party)) : this.takeBack(party),
          ),
        );
      },
      withdraw: async () => {
        await Promise.all(counted.map((party) => this.takeBack(party)));
      },
    };
  }

  private async count(
    party: AttemptParty,
  ): Promise<{ refused: true; wait: number } | { refused: false; waitIfWrong: number }> {
    const id = idOf(party);
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const now = nowMs();
      const row = await this.store.find(id);
      const current = live(row, now);
      if (current.blockedUntil !== null && current.blockedUntil > now) {
        return { refused: true, wait: Math.ceil((current.blockedUntil - now) / 1000) };
      }
      const failures = current.failures + 1;
      const wait = waitAfter(failures, party.maxFailures);
      const next: AttemptCount = {
        failures,
        blockedUntil: wait > 0 ? now + wait * 1000 : null,
        expiresAt: now + FORGET_AFTER_MS,
      };
      if (await this.store.replace(id, row && stateOf(row), next)) {
        return { refused: false, waitIfWrong: wait };
      }
    }
    // Lost every round to concurrent attempts of the same party: a burst, refused.
    return { refused: true, wait: 1 };
  }

  /** Takes one counted attempt back, lifting the wait it set if the count falls below it. */
  private async takeBack(party: AttemptParty): Promise<void> {
    const id = idOf(party);
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const now = nowMs();
      const row = await this.store.find(id);
      if (!row || row.expiresAt <= now || row.failures === 0) return;
      const failures = row.failures - 1;
      const next: AttemptCount = {
        failures,
        blockedUntil: failures < party.maxFailures ? null : row.blockedUntil,
        expiresAt: row.expiresAt,
      };
      if (await this.store.replace(id, stateOf(row), next)) return;
    }
    // Contended: the count stays, which only makes the party wait sooner (fail closed).
  }
}

/** A counter as it stands at `now`: forgotten failures count as none. */
function live(row: OAuthAttemptLimit | null, now: number): AttemptCount {
  if (!row || row.expiresAt <= now) return { failures: 0, blockedUntil: null, expiresAt: now };
  return stateOf(row);
}

const stateOf = (row: OAuthAttemptLimit): AttemptCount => ({
  failures: row.failures,
  blockedUntil: row.blockedUntil,
  expiresAt: row.expiresAt,
});

/** Seconds to wait after `failures` failures: none up to `maxFailures - 1`, then 1, 2, 4... */
export function waitAfter(failures: number, maxFailures: number): number {
  if (failures < maxFailures) return 0;
  return Math.min(MAX_WAIT_SECONDS, 2 ** Math.min(failures - maxFailures, 20));
}

const idOf = (party: AttemptParty): string => sha256(`${party.kind}\n${party.party}`);
