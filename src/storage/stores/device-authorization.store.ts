import type {
  DeviceAuthorizationStatus,
  OAuthDeviceAuthorization,
} from '../entities/oauth-device-authorization.entity';
import type { OAuthToken } from '../entities/oauth-token.entity';

/** The user's decision on a device authorization. */
export interface DeviceDecision {
  status: Exclude<DeviceAuthorizationStatus, 'pending'>;
  subject: string;
  authTime: number | null;
  acr: string | null;
  amr: string[] | null;
}

/**
 * Device authorizations (RFC 8628), stored by the hashes of their codes. Each change is one
 * conditional statement (or one transaction), so concurrent polls and decisions cannot both win.
 * Times are epoch milliseconds.
 */
export abstract class DeviceAuthorizationStore {
  /** Stores a new authorization; false when its user code is taken (draw another). */
  abstract insert(row: OAuthDeviceAuthorization): Promise<boolean>;

  abstract findByDeviceCodeHash(hash: string): Promise<OAuthDeviceAuthorization | null>;

  /** The authorization whose user code hashes to `hash`, if still pending and unexpired at `now`. */
  abstract findPendingByUserCodeHash(
    hash: string,
    now: number,
  ): Promise<OAuthDeviceAuthorization | null>;

  /** Records the user's decision, only if still pending and unexpired at `now`: true if it did. */
  abstract decide(id: string, decision: DeviceDecision, now: number): Promise<boolean>;

  /**
   * Accepts a poll: moves `nextPollAt` from `expected` (what the caller read) to `next`. False
   * when another poll moved it first (then this one was too fast).
   */
  abstract recordPoll(id: string, expected: number, next: number): Promise<boolean>;

  /** After a too-fast poll: the new interval (seconds) and the earliest next poll. */
  abstract slowDown(id: string, interval: number, next: number): Promise<void>;

  /**
   * Spends the device code of approved authorization `id` (only if unspent) and stores the
   * tokens issued for it, both or neither: false, with nothing stored, when it was spent before.
   */
  abstract insertTokensIfSpent(id: string, tokens: OAuthToken, at: number): Promise<boolean>;

  /** Deletes at most `batchSize` authorizations that expired before `now`; returns how many. */
  abstract deleteExpired(now: number, batchSize: number): Promise<number>;
}
