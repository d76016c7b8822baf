import { MigrationInterface, QueryRunner } from 'typeorm';
import { statementsFor } from './statements-for';

/*
 * Pushed authorization requests (RFC 9126): the oauth_pushed_requests table and the clients'
 * require_pushed_authorization_requests flag. The SQL is what TypeORM's schema builder generates
 * after the initial migration (the way scripts/print-schema.ts prints it), except on SQLite,
 * where a plain ADD COLUMN replaces its copy of the whole clients table. A test checks that the
 * schema builder finds nothing left to change afterwards, on each database.
 */
const TABLE = 'oauth_pushed_requests';
const FLAG = 'require_pushed_authorization_requests';

interface Statements {
  table: string[];
  flag: string[];
}

const POSTGRES: Statements = {
  table: [
    `CREATE TABLE "oauth_pushed_requests" ("id" character varying(64) NOT NULL, "client_id" character varying(255) NOT NULL, "request" text NOT NULL, "expires_at" bigint NOT NULL, "consumed_at" bigint, "created_at" bigint NOT NULL, CONSTRAINT "PK_c2fdb3fd9a818806dee406d4bc4" PRIMARY KEY ("id"))`,
    `CREATE INDEX "IDX_3c3e0c4fb874f611832ffa9e11" ON "oauth_pushed_requests" ("expires_at")`,
  ],
  flag: [
    `ALTER TABLE "oauth_clients" ADD "require_pushed_authorization_requests" boolean NOT NULL DEFAULT false`,
  ],
};

const SQLITE: Statements = {
  table: [
    `CREATE TABLE "oauth_pushed_requests" ("id" varchar(64) PRIMARY KEY NOT NULL, "client_id" varchar(255) NOT NULL, "request" text NOT NULL, "expires_at" bigint NOT NULL, "consumed_at" bigint, "created_at" bigint NOT NULL)`,
    `CREATE INDEX "IDX_3c3e0c4fb874f611832ffa9e11" ON "oauth_pushed_requests" ("expires_at")`,
  ],
  flag: [
    `ALTER TABLE "oauth_clients" ADD COLUMN "require_pushed_authorization_requests" boolean NOT NULL DEFAULT (0)`,
  ],
};

/* MySQL and MariaDB: utf8mb4_bin like every other table (see the initial migration). */
const MYSQL: Statements = {
  table: [
    'CREATE TABLE `oauth_pushed_requests` (`id` varchar(64) NOT NULL, `client_id` varchar(255) NOT NULL, `request` text NOT NULL, `expires_at` bigint NOT NULL, `consumed_at` bigint NULL, `created_at` bigint NOT NULL, INDEX `IDX_3c3e0c4fb874f611832ffa9e11` (`expires_at`), PRIMARY KEY (`id`)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin',
  ],
  flag: [
    'ALTER TABLE `oauth_clients` ADD `require_pushed_authorization_requests` tinyint NOT NULL DEFAULT 0',
  ],
};

export class OAuthPushedAuthorizationRequests1764250000000 implements MigrationInterface {
  name = 'OAuthPushedAuthorizationRequests1764250000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const sql = statementsFor(queryRunner.connection.options.type, { POSTGRES, SQLITE, MYSQL });
    // Each part only when it is missing: the same database may see this migration again
    // through another migrations table (the host's, or oauth_migrations).
    if (!(await queryRunner.hasTable(TABLE)))
      for (const query of sql.table) await queryRunner.query(query);
    if (!(await queryRunner.hasColumn('oauth_clients', FLAG)))
      for (const query of sql.flag) await queryRunner.query(query);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    // The driver's own quoting: MySQL reads "name" as a string, not an identifier. SQLite drops
    // a column since 3.35.
    const escape = (name: string) => queryRunner.connection.driver.escape(name);
    await queryRunner.query(`ALTER TABLE ${escape('oauth_clients')} DROP COLUMN ${escape(FLAG)}`);
    await queryRunner.query(`DROP TABLE ${escape(TABLE)}`);
  }
}
