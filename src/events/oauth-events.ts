import { Injectable, Logger } from '@nestjs/common';
import { Observable, Subject } from 'rxjs';

/**
 * Audit events. They name clients, users, token ids and scopes, never a secret, token or code.
 */
export type OAuthEvent =
  | {
      type: 'token.issued';
      clientId: string;
      subject: string | null;
      grantType: string;
      scopes: string[];
      tokenId: string;
      familyId: string;
    }
  | {
      type: 'token.refreshed';
      clientId: string;
      subject: string | null;
      tokenId: string;
      familyId: string;
      refreshCount: number;
    }
  | {
      type: 'token.revoked';
      clientId?: string;
      subject?: string | null;
      familyId?: string;
      tokenId?: string;
      reason: TokenRevocationReason;
      count: number;
    }
  | {
      type: 'refresh_token.reuse_detected';
      clientId: string;
      subject: string | null;
      familyId: string;
    }
  | {
      /**
       * A used refresh token was presented again within `refreshTokenReuseInterval` while the
       * token its rotation issued (`supersededTokenId`) was unused: taken as a retry after a lost
       * response. The new pair is `tokenId`; the superseded row is revoked.
       */
      type: 'refresh_token.retried';
      clientId: string;
      subject: string | null;
      familyId: string;
      tokenId: string;
      supersededTokenId: string;
    }
  | { type: 'authorization_code.replayed'; clientId: string; subject: string; codeId: string }
  | { type: 'client.authentication_failed'; clientId?: string; method: string; endpoint: string }
  | { type: 'consent.granted'; clientId: string; subject: string; scopes: string[] }
  | { type: 'consent.denied'; clientId: string; subject: string; scopes: string[] };

export type TokenRevocationReason =
  | 'revocation_endpoint'
  | 'refresh_token_reuse'
  | 'refresh_token_retry'
  | 'authorization_code_replay'
  | 'user'
  | 'client'
  | 'user_at_client'
  | 'client_deleted';

export type OAuthEventType = OAuthEvent['type'];

/**
 * Where the module publishes audit events. Use `on(type, listener)`: a listener that throws is
 * logged and never breaks a request. `events$` is the raw RxJS stream for piping; a subscriber
 * of it must not throw (RxJS reports such errors asynchronously, as uncaught exceptions).
 */
@Injectable()
export class OAuthEvents {
  private readonly logger = new Logger('OAuthEvents');
  private readonly subject = new Subject<OAuthEvent>();
  readonly events$: Observable<OAuthEvent> = this.subject.asObservable();

  emit(event: OAuthEvent): void {
    this.subject.next({ ...event });
  }

  /** Calls `listener` for each event of `type`; returns a function that unsubscribes. */
  on<T extends OAuthEventType>(
    type: T,
    listener: (event: Extract<OAuthEvent, { type: T }>) => void,
  ): () => void {
    const subscription = this.events$.subscribe((event) => {
      if (event.type !== type) return;
      try {
        listener(event as Extract<OAuthEvent, { type: T }>);
      } catch (error) {
        this.logger.error(`A listener of ${type} failed: ${(error as Error).message}`);
      }
    });
    return () => subscription.unsubscribe();
  }
}
