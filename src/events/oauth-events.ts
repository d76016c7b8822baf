import { Injectable, Logger } from '@nestjs/common';
import {
  Observable,
  Observer,
  Operator,
  Subject,
  Subscriber,
  Subscription,
  TeardownLogic,
} from 'rxjs';

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
  | { type: 'consent.denied'; clientId: string; subject: string; scopes: string[] }
  | {
      /**
       * A user signed out at the end-session endpoint (OpenID Connect RP-Initiated Logout):
       * the host's `endSession` ran. `clientId` is the client that sent the user, when known.
       */
      type: 'session.ended';
      subject: string;
      clientId?: string;
    }
  | {
      /** A logout token was accepted (2xx) by the client's `backchannel_logout_uri`. */
      type: 'backchannel_logout.delivered';
      clientId: string;
      subject: string;
      /** 1 for the first try. */
      attempt: number;
    }
  | {
      /**
       * A logout token POST failed (timeout, network error, non-2xx answer). `willRetry` is
       * false after the last attempt (`logout.backchannelRetries`): the client was not told.
       */
      type: 'backchannel_logout.failed';
      clientId: string;
      subject: string;
      attempt: number;
      /** e.g. `HTTP 500`, `timeout`, `network error`. Never the token. */
      reason: string;
      willRetry: boolean;
    };

export type TokenRevocationReason =
  | 'revocation_endpoint'
  | 'refresh_token_reuse'
  | 'refresh_token_retry'
  | 'authorization_code_replay'
  | 'user'
  | 'client'
  | 'user_at_client'
  | 'client_deleted'
  | 'logout';

export type OAuthEventType = OAuthEvent['type'];

/**
 * An Observable whose subscribers' callbacks are contained: an error thrown by one is handed to
 * `report` instead of RxJS's unhandled-error path (a rethrow from a timer, which ends a Node
 * process). Operators applied to it (`pipe`) make observables of the same kind, so the callbacks
 * given to the final `subscribe()` of a pipe are contained too.
 */
class ContainedObservable<T> extends Observable<T> {
  constructor(
    private readonly report: (error: unknown) => void,
    subscribe?: (this: Observable<T>, subscriber: Subscriber<T>) => TeardownLogic,
  ) {
    super(subscribe);
  }

  override lift<R>(operator?: Operator<T, R>): Observable<R> {
    const observable = new ContainedObservable<R>(this.report);
    observable.source = this;
    observable.operator = operator;
    return observable;
  }

  override subscribe(
    observerOrNext?: Partial<Observer<T>> | ((value: T) => void) | null,
  ): Subscription {
    // Subscribers made by operators or RxJS itself already handle their errors: pass them on.
    if (observerOrNext instanceof Subscriber || !observerOrNext) {
      return super.subscribe(observerOrNext ?? undefined);
    }
    const observer =
      typeof observerOrNext === 'function' ? { next: observerOrNext } : observerOrNext;
    const contain =
      <A extends unknown[]>(callback: ((...args: A) => void) | undefined) =>
      (...args: A) => {
        try {
          callback?.(...args);
        } catch (error) {
          this.report(error);
        }
      };
    return super.subscribe({
      next: observer.next && contain(observer.next.bind(observer)),
      error: observer.error && contain(observer.error.bind(observer)),
      complete: observer.complete && contain(observer.complete.bind(observer)),
    });
  }
}

/**
 * Where the module publishes audit events. Use `on(type, listener)`, or `events$` (an RxJS
 * stream) to pipe them; a listener or subscriber that throws is logged and never breaks a
 * request or reaches the others.
 */
@Injectable()
export class OAuthEvents {
  private readonly logger = new Logger('OAuthEvents');
  private readonly subject = new Subject<OAuthEvent>();
  readonly events$: Observable<OAuthEvent> = new ContainedObservable<OAuthEvent>(
    (error) => this.logger.error(`An events$ subscriber failed: ${errorMessage(error)}`),
    (subscriber) => this.subject.subscribe(subscriber),
  );

  emit(event: OAuthEvent): void {
    this.subject.next({ ...event });
  }

  /** Calls `listener` for each event of `type`; returns a function that unsubscribes. */
  on<T extends OAuthEventType>(
    type: T,
    listener: (event: Extract<OAuthEvent, { type: T }>) => void,
  ): () => void {
    const subscription = this.subject.subscribe((event) => {
      if (event.type !== type) return;
      try {
        listener(event as Extract<OAuthEvent, { type: T }>);
      } catch (error) {
        this.logger.error(`A listener of ${type} failed: ${errorMessage(error)}`);
      }
    });
    return () => subscription.unsubscribe();
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
