const SQLITE_DRIVERS = ['sqlite', 'better-sqlite3', 'sqljs', 'capacitor', 'cordova', 'expo'];
const MYSQL_DRIVERS = ['mysql', 'mariadb'];

/** A migration's SQL, written once per dialect the package ships migrations for. */
export interface DialectStatements<T = string[]> {
  POSTGRES: T;
  SQLITE: T;
  MYSQL: T;
}

/** The statements for TypeORM driver `driver`; other drivers get a message that says what to do. */
export function statementsFor<T>(driver: string, statements: DialectStatements<T>): T {
  if (driver === 'postgres') return statements.POSTGRES;
  if (SQLITE_DRIVERS.includes(driver)) return statements.SQLITE;
  if (MYSQL_DRIVERS.includes(driver)) return statements.MYSQL;
  throw new Error(
    `nest-oauth-server ships migrations for PostgreSQL, SQLite and MySQL/MariaDB, not "${driver}": ` +
      'create the schema of OAUTH_ENTITIES with your own migration (typeorm migration:generate).',
  );
}
