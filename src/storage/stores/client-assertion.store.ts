/** Used client assertions (RFC 7523 `jti`s), kept until they expire so none is used twice. */
export abstract class ClientAssertionStore {
  /** Records a use; false when `id` was recorded before (a replayed assertion). */
  abstract remember(id: string, expiresAt: number): Promise<boolean>;
  /** Deletes at most `batchSize` expired records; returns how many. */
  abstract deleteExpired(now: number, batchSize: number): Promise<number>;
}
