import { Provider } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { OAuthEvents } from '../events/oauth-events';
import { OAUTH_CONFIG, OAUTH_DATA_SOURCE } from '../oauth.constants';
import type { OAuthConfig } from '../options/oauth-config';
import { NoRevocationFeed, RevocationFeed } from './revocation-feed';
import { PostgresRevocationFeed } from './sql/postgres-revocation-feed';
import { SqliteRevocationFeed } from './sql/sqlite-revocation-feed';
import { SqlAuthorizationCodeStore } from './sql/sql-authorization-code.store';
import { SqlClientStore } from './sql/sql-client.store';
import { SqlConsentStore } from './sql/sql-consent.store';
import { SqlRunner } from './sql/sql-runner';
import { SqlTokenStore } from './sql/sql-token.store';
import { AuthorizationCodeStore } from './stores/authorization-code.store';
import { ClientAssertionStore } from './stores/client-assertion.store';
import { ClientStore } from './stores/client.store';
import { ConsentStore } from './stores/consent.store';
import { InteractionStore } from './stores/interaction.store';
import { PushedRequestStore } from './stores/pushed-request.store';
import { SigningKeyStore } from './stores/signing-key.store';
import { TokenStore } from './stores/token.store';
import { DeviceAuthorizationStore } from './stores/device-authorization.store';
import { AttemptLimitStore } from './stores/attempt-limit.store';
import { TypeOrmDeviceAuthorizationStore } from './typeorm/typeorm-device-authorization.store';
import { TypeOrmAttemptLimitStore } from './typeorm/typeorm-attempt-limit.store';
import { TypeOrmAuthorizationCodeStore } from './typeorm/typeorm-authorization-code.store';
import { TypeOrmClientAssertionStore } from './typeorm/typeorm-client-assertion.store';
import { TypeOrmClientStore } from './typeorm/typeorm-client.store';
import { TypeOrmConsentStore } from './typeorm/typeorm-consent.store';
import { TypeOrmInteractionStore } from './typeorm/typeorm-interaction.store';
import { TypeOrmPushedRequestStore } from './typeorm/typeorm-pushed-request.store';
import { TypeOrmSigningKeyStore } from './typeorm/typeorm-signing-key.store';
import { TypeOrmTokenStore } from './typeorm/typeorm-token.store';

/**
 * A store whose implementation is chosen once, at start-up, from the DataSource's driver: the
 * fast one on PostgreSQL and better-sqlite3, the portable one (TypeORM's public API) elsewhere.
 */
function chosenStore<S>(
  store: abstract new (...args: never[]) => S,
  portable: new (dataSource: DataSource) => S,
  fast: new (dataSource: DataSource, sql: SqlRunner) => S,
): Provider {
  return {
    provide: store,
    inject: [OAUTH_DATA_SOURCE],
    useFactory: (dataSource: DataSource) => {
      const sql = SqlRunner.for(dataSource);
      return sql ? new fast(dataSource, sql) : new portable(dataSource);
    },
  };
}

/**
 * The revocation feed where it can exist and is useful: PostgreSQL (LISTEN/NOTIFY) and
 * better-sqlite3 (its change counters), strict checking, and a cache to keep
 * (`resourceServer.verifiedTokenCacheSize` above 0).
 */
const revocationFeedProvider: Provider = {
  provide: RevocationFeed,
  inject: [OAUTH_DATA_SOURCE, OAUTH_CONFIG, OAuthEvents],
  useFactory: (dataSource: DataSource, config: OAuthConfig, events: OAuthEvents) => {
    const { revocationCheck, verifiedTokenCacheSize } = config.resourceServer;
    if (revocationCheck !== 'strict' || verifiedTokenCacheSize === 0) return new NoRevocationFeed();
    if (dataSource.options.type === 'postgres')
      return new PostgresRevocationFeed(dataSource, events);
    if (dataSource.options.type === 'better-sqlite3') return new SqliteRevocationFeed(dataSource);
    return new NoRevocationFeed();
  },
};

/** Every store the module uses, one implementation each. */
export const STORE_PROVIDERS: Provider[] = [
  chosenStore(TokenStore, TypeOrmTokenStore, SqlTokenStore),
  chosenStore(AuthorizationCodeStore, TypeOrmAuthorizationCodeStore, SqlAuthorizationCodeStore),
  chosenStore(ClientStore, TypeOrmClientStore, SqlClientStore),
  chosenStore(ConsentStore, TypeOrmConsentStore, SqlConsentStore),
  // Not on a hot path: the portable store on every database.
  { provide: ClientAssertionStore, useClass: TypeOrmClientAssertionStore },
  { provide: SigningKeyStore, useClass: TypeOrmSigningKeyStore },
  { provide: InteractionStore, useClass: TypeOrmInteractionStore },
  { provide: PushedRequestStore, useClass: TypeOrmPushedRequestStore },
  { provide: DeviceAuthorizationStore, useClass: TypeOrmDeviceAuthorizationStore },
  { provide: AttemptLimitStore, useClass: TypeOrmAttemptLimitStore },
  revocationFeedProvider,
];
