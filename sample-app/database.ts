import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TypeOrmModuleOptions } from '@nestjs/typeorm';
import { OAUTH_ENTITIES, OAUTH_MIGRATIONS } from './oauth-server';
import type { SampleDatabase } from './config';
import { SampleUsers1764200000000 } from './users/migrations/1764200000000-sample-users';
import { User } from './users/user.entity';
import { PaymentRecord } from './api/payment.entity';
import { SamplePayments1764600000000 } from './api/migrations/1764600000000-sample-payments';

/**
 * One DataSource for the host's tables and the authorization server's: the module's entities
 * and migrations are added next to the app's own. The schema is migrated on start, never
 * synchronized.
 */
export function typeOrmOptions(database: SampleDatabase): TypeOrmModuleOptions {
  const common = {
    entities: [...OAUTH_ENTITIES, User, PaymentRecord],
    migrations: [...OAUTH_MIGRATIONS, SampleUsers1764200000000, SamplePayments1764600000000],
    migrationsRun: true,
    synchronize: false,
    // Fail at start instead of retrying for half a minute when the database is unreachable.
    retryAttempts: 0,
  };
  switch (database.type) {
    case 'postgres':
      return { type: 'postgres', url: database.url, ...common };
    case 'mariadb':
      return { type: 'mariadb', url: database.url, ...common };
    case 'sqlite-memory':
      // better-sqlite3 keeps one connection per DataSource, so the in-memory database lives as long as the app.
      return { type: 'better-sqlite3', database: ':memory:', ...common };
    case 'sqlite-file':
      fs.mkdirSync(path.dirname(database.file), { recursive: true });
      return { type: 'better-sqlite3', database: database.file, ...common };
  }
}
