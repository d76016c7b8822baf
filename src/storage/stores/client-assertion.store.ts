/**
 * Used one-time JWTs, by a hash of their `jti` and issuer: client assertions (RFC 7523) and DPoP
 * proofs (RFC 9449 §11.1, under their own prefix), kept until they would be refused anyway, so
 * none is used twice on any instance.
 */
export abstract class ClientAssertionStore {
  /** Records a use; false when `id` was recorded before (a replayed assertion). */
  abstract remember(id: string, expiresAt: number): Promise<boolean>;
  /** Deletes at most `batchSize` expired records; returns how many. */
  abstract deleteExpired(now: number, batchSize: number): Promise<number>;
}
