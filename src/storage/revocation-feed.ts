/**
 * Tells an instance when token rows may have been revoked anywhere, so it can remember tokens
 * it saw live (the strict revocation check) without reading their row on every request.
 * `epoch` changes on every possible revocation; a remembered answer counts only while the feed
 * is live and the epoch is the one it was read under. Fail closed: when the feed cannot prove
 * it hears every revocation, `isLive()` is false and every check reads the row.
 */
export abstract class RevocationFeed {
  abstract readonly epoch: number;
  abstract isLive(): boolean;
}

/** Where no feed exists (SQLite, MariaDB/MySQL, the option off): never live. */
export class NoRevocationFeed extends RevocationFeed {
  readonly epoch = 0;
  isLive(): boolean {
    return false;
  }
}
