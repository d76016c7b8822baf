import { ID_LENGTH, isStorableId } from '../columns';
import type { OAuthClient } from '../entities/oauth-client.entity';

/** Registered clients, hashes included: only the module's own code reads them. */
export abstract class ClientStore {
  /**
   * The client, or null. Read on every request that authenticates a client, never cached: a
   * rotated secret or a deleted client takes effect at once, on every instance. An id no row
   * can have (too long, control characters) is not looked up.
   */
  find(clientId: string): Promise<OAuthClient | null> {
    return isStorableId(clientId, ID_LENGTH) ? this.findById(clientId) : Promise.resolve(null);
  }

  protected abstract findById(clientId: string): Promise<OAuthClient | null>;
  /** All clients, or those of one owner, oldest first. */
  abstract list(filter: { owner?: string }): Promise<OAuthClient[]>;
  abstract insert(row: OAuthClient): Promise<void>;
  /** Changes the client's fields; false when there is no such client. */
  abstract update(clientId: string, changes: Partial<OAuthClient>): Promise<boolean>;
  /**
   * In one transaction: deletes the client, revokes its tokens and forgets its codes and
   * consents. Returns how many tokens were revoked, or null when there is no such client.
   */
  abstract deleteWithGrants(clientId: string, at: number): Promise<number | null>;
}
