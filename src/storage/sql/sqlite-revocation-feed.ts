import type { DataSource } from 'typeorm';
import { RevocationFeed } from '../revocation-feed';

interface ChangeCounter {
  get(): { changes: number; version: number };
}

/**
 * The revocation feed on better-sqlite3, where the app holds the database's one connection:
 * SQLite says when anything may have changed. `total_changes()` counts every row this
 * connection wrote (a revocation by any code of this process, the module's or the host's own
 * SQL), `data_version` changes when another connection (another process on the same file)
 * commits. Either moving counts as a possible revocation; it is one prepared statement, much
 * cheaper than reading the token's row. This process's own revocations move `total_changes()`
 * too, so no event is needed. Always live: nothing can change unseen.
 */
export class SqliteRevocationFeed extends RevocationFeed {
  private counter = 0;
  private changes = -1;
  private version = -1;
  private readonly statement: ChangeCounter;

  constructor(dataSource: DataSource) {
    super();
    const connection = (
      dataSource.driver as unknown as {
        databaseConnection: { prepare(sql: string): ChangeCounter };
      }
    ).databaseConnection;
    this.statement = connection.prepare(
      'SELECT total_changes() AS changes, data_version AS version FROM pragma_data_version()',
    );
  }

  get epoch(): number {
    const { changes, version } = this.statement.get();
    if (changes !== this.changes || version !== this.version) {
      this.changes = changes;
      this.version = version;
      this.counter++;
    }
    return this.counter;
  }

  isLive(): boolean {
    return true;
  }
}
