import { MigrationInterface, QueryRunner } from 'typeorm';
import { statementsFor } from './statements-for';
import { allTablesExist } from './existing-tables';

/*
 * The schema of OAUTH_ENTITIES, for SQLite, PostgreSQL and MySQL/MariaDB. The SQL was generated
 * from the entities by TypeORM's schema builder (scripts/print-schema.ts); a test checks that
 * after this migration the schema builder finds nothing left to change, on each database.
 */
const POSTGRES = [
  `CREATE TABLE "oauth_client_assertions" ("id" character varying(64) NOT NULL, "expires_at" bigint NOT NULL, CONSTRAINT "PK_a5e2f66da39731a928fe92b412d" PRIMARY KEY ("id"))`,
  `CREATE INDEX "IDX_f7be9356a7ef64e07544c2740e" ON "oauth_client_assertions" ("expires_at")`,
  `CREATE TABLE "oauth_clients" ("client_id" character varying(255) NOT NULL, "client_secret_hash" character varying(64), "client_type" character varying(16) NOT NULL, "name" character varying(200) NOT NULL, "website" character varying(2048), "redirect_uris" text NOT NULL, "grant_types" text NOT NULL, "scopes" text NOT NULL, "token_endpoint_auth_method" character varying(32) NOT NULL, "jwks" text, "first_party" boolean NOT NULL DEFAULT false, "owner" character varying(255), "registration_access_token_hash" character varying(64), "created_at" bigint NOT NULL, "updated_at" bigint NOT NULL, CONSTRAINT "PK_c5c4af500cc8bfc05500fff7f90" PRIMARY KEY ("client_id"))`,
  `CREATE TABLE "oauth_authorization_codes" ("id" character varying(36) NOT NULL, "code_hash" character varying(64) NOT NULL, "client_id" character varying(255) NOT NULL, "subject" character varying(255) NOT NULL, "redirect_uri" character varying(2048) NOT NULL, "scopes" text NOT NULL, "code_challenge" character varying(128), "code_challenge_method" character varying(8), "nonce" character varying(512), "auth_time" bigint, "acr" character varying(255), "resources" text, "expires_at" bigint NOT NULL, "consumed_at" bigint, "created_at" bigint NOT NULL, CONSTRAINT "PK_441350d3fce3606534fbb2c1197" PRIMARY KEY ("id"))`,
  `CREATE UNIQUE INDEX "IDX_25c7c7a7cdc5a6eb88200c472c" ON "oauth_authorization_codes" ("code_hash")`,
  `CREATE INDEX "IDX_932dd5cf0b72ed912513ca67cf" ON "oauth_authorization_codes" ("expires_at")`,
  `CREATE TABLE "oauth_consents" ("id" character varying(36) NOT NULL, "subject" character varying(255) NOT NULL, "client_id" character varying(255) NOT NULL, "scopes" text NOT NULL, "created_at" bigint NOT NULL, "updated_at" bigint NOT NULL, CONSTRAINT "uq_oauth_consents_subject_client" UNIQUE ("subject", "client_id"), CONSTRAINT "PK_0a4d44789a8f412ccdbed87a590" PRIMARY KEY ("id"))`,
  `CREATE TABLE "oauth_interactions" ("id" character varying(64) NOT NULL, "request" text NOT NULL, "subject" character varying(255), "browser_binding_hash" character varying(64) NOT NULL, "expires_at" bigint NOT NULL, "consumed_at" bigint, "created_at" bigint NOT NULL, CONSTRAINT "PK_5dc3e245998af2f5a90e1d53b52" PRIMARY KEY ("id"))`,
  `CREATE INDEX "IDX_d23723a78657536d4cf0ca9781" ON "oauth_interactions" ("expires_at")`,
  `CREATE TABLE "oauth_signing_keys" ("kid" character varying(64) NOT NULL, "alg" character varying(16) NOT NULL, "private_jwk" text NOT NULL, "public_jwk" text NOT NULL, "status" character varying(16) NOT NULL, "created_at" bigint NOT NULL, "rotated_at" bigint, "retired_at" bigint, CONSTRAINT "PK_c8e0e251f213a0f7b7bd2563201" PRIMARY KEY ("kid"))`,
  `CREATE TABLE "oauth_tokens" ("id" character varying(36) NOT NULL, "access_token_hash" character varying(64), "refresh_token_hash" character varying(64), "client_id" character varying(255) NOT NULL, "subject" character varying(255), "scopes" text NOT NULL, "refresh_scopes" text, "grant_type" character varying(255) NOT NULL, "family_id" character varying(36) NOT NULL, "refresh_count" integer NOT NULL DEFAULT '0', "audience" text NOT NULL, "issued_at" bigint NOT NULL, "expires_at" bigint NOT NULL, "refresh_expires_at" bigint, "refresh_consumed_at" bigint, "revoked_at" bigint, "origin_code_id" character varying(36), "auth_time" bigint, CONSTRAINT "PK_71c8b8060826696206f973554fd" PRIMARY KEY ("id"))`,
  `CREATE UNIQUE INDEX "IDX_106cc08f99327d67172b5ecf4a" ON "oauth_tokens" ("access_token_hash")`,
  `CREATE UNIQUE INDEX "IDX_c740cc0990265bb0e8e51ca986" ON "oauth_tokens" ("refresh_token_hash")`,
  `CREATE INDEX "IDX_be15e1038f434b11598ed586fe" ON "oauth_tokens" ("client_id")`,
  `CREATE INDEX "IDX_cb683bc1f7e330100759b902f5" ON "oauth_tokens" ("subject")`,
  `CREATE INDEX "IDX_fb68d5bec45b82dcb66f1e347c" ON "oauth_tokens" ("family_id")`,
  `CREATE INDEX "IDX_0dc2957a47ec8c4830ee913a2d" ON "oauth_tokens" ("expires_at")`,
  `CREATE INDEX "IDX_4ee53fe8f73356d580b01e5866" ON "oauth_tokens" ("origin_code_id")`,
];

const SQLITE = [
  `CREATE TABLE "oauth_client_assertions" ("id" varchar(64) PRIMARY KEY NOT NULL, "expires_at" bigint NOT NULL)`,
  `CREATE INDEX "IDX_f7be9356a7ef64e07544c2740e" ON "oauth_client_assertions" ("expires_at")`,
  `CREATE TABLE "oauth_clients" ("client_id" varchar(255) PRIMARY KEY NOT NULL, "client_secret_hash" varchar(64), "client_type" varchar(16) NOT NULL, "name" varchar(200) NOT NULL, "website" varchar(2048), "redirect_uris" text NOT NULL, "grant_types" text NOT NULL, "scopes" text NOT NULL, "token_endpoint_auth_method" varchar(32) NOT NULL, "jwks" text, "first_party" boolean NOT NULL DEFAULT (0), "owner" varchar(255), "registration_access_token_hash" varchar(64), "created_at" bigint NOT NULL, "updated_at" bigint NOT NULL)`,
  `CREATE TABLE "oauth_authorization_codes" ("id" varchar(36) PRIMARY KEY NOT NULL, "code_hash" varchar(64) NOT NULL, "client_id" varchar(255) NOT NULL, "subject" varchar(255) NOT NULL, "redirect_uri" varchar(2048) NOT NULL, "scopes" text NOT NULL, "code_challenge" varchar(128), "code_challenge_method" varchar(8), "nonce" varchar(512), "auth_time" bigint, "acr" varchar(255), "resources" text, "expires_at" bigint NOT NULL, "consumed_at" bigint, "created_at" bigint NOT NULL)`,
  `CREATE UNIQUE INDEX "IDX_25c7c7a7cdc5a6eb88200c472c" ON "oauth_authorization_codes" ("code_hash")`,
  `CREATE INDEX "IDX_932dd5cf0b72ed912513ca67cf" ON "oauth_authorization_codes" ("expires_at")`,
  `CREATE TABLE "oauth_consents" ("id" varchar(36) PRIMARY KEY NOT NULL, "subject" varchar(255) NOT NULL, "client_id" varchar(255) NOT NULL, "scopes" text NOT NULL, "created_at" bigint NOT NULL, "updated_at" bigint NOT NULL, CONSTRAINT "uq_oauth_consents_subject_client" UNIQUE ("subject", "client_id"))`,
  `CREATE TABLE "oauth_interactions" ("id" varchar(64) PRIMARY KEY NOT NULL, "request" text NOT NULL, "subject" varchar(255), "browser_binding_hash" varchar(64) NOT NULL, "expires_at" bigint NOT NULL, "consumed_at" bigint, "created_at" bigint NOT NULL)`,
  `CREATE INDEX "IDX_d23723a78657536d4cf0ca9781" ON "oauth_interactions" ("expires_at")`,
  `CREATE TABLE "oauth_signing_keys" ("kid" varchar(64) PRIMARY KEY NOT NULL, "alg" varchar(16) NOT NULL, "private_jwk" text NOT NULL, "public_jwk" text NOT NULL, "status" varchar(16) NOT NULL, "created_at" bigint NOT NULL, "rotated_at" bigint, "retired_at" bigint)`,
  `CREATE TABLE "oauth_tokens" ("id" varchar(36) PRIMARY KEY NOT NULL, "access_token_hash" varchar(64), "refresh_token_hash" varchar(64), "client_id" varchar(255) NOT NULL, "subject" varchar(255), "scopes" text NOT NULL, "refresh_scopes" text, "grant_type" varchar(255) NOT NULL, "family_id" varchar(36) NOT NULL, "refresh_count" integer NOT NULL DEFAULT (0), "audience" text NOT NULL, "issued_at" bigint NOT NULL, "expires_at" bigint NOT NULL, "refresh_expires_at" bigint, "refresh_consumed_at" bigint, "revoked_at" bigint, "origin_code_id" varchar(36), "auth_time" bigint)`,
  `CREATE UNIQUE INDEX "IDX_106cc08f99327d67172b5ecf4a" ON "oauth_tokens" ("access_token_hash")`,
  `CREATE UNIQUE INDEX "IDX_c740cc0990265bb0e8e51ca986" ON "oauth_tokens" ("refresh_token_hash")`,
  `CREATE INDEX "IDX_be15e1038f434b11598ed586fe" ON "oauth_tokens" ("client_id")`,
  `CREATE INDEX "IDX_cb683bc1f7e330100759b902f5" ON "oauth_tokens" ("subject")`,
  `CREATE INDEX "IDX_fb68d5bec45b82dcb66f1e347c" ON "oauth_tokens" ("family_id")`,
  `CREATE INDEX "IDX_0dc2957a47ec8c4830ee913a2d" ON "oauth_tokens" ("expires_at")`,
  `CREATE INDEX "IDX_4ee53fe8f73356d580b01e5866" ON "oauth_tokens" ("origin_code_id")`,
];

/*
 * MySQL and MariaDB (driver types `mysql` and `mariadb`). Every table defaults to utf8mb4_bin,
 * so ids and hashes (base64url) compare case-sensitively: the servers' default collations are
 * case-insensitive, and two tokens differing only in case must neither collide nor match.
 */
const MYSQL = [
  'CREATE TABLE `oauth_client_assertions` (`id` varchar(64) NOT NULL, `expires_at` bigint NOT NULL, INDEX `IDX_f7be9356a7ef64e07544c2740e` (`expires_at`), PRIMARY KEY (`id`)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin',
  'CREATE TABLE `oauth_clients` (`client_id` varchar(255) NOT NULL, `client_secret_hash` varchar(64) NULL, `client_type` varchar(16) NOT NULL, `name` varchar(200) NOT NULL, `website` varchar(2048) NULL, `redirect_uris` text NOT NULL, `grant_types` text NOT NULL, `scopes` text NOT NULL, `token_endpoint_auth_method` varchar(32) NOT NULL, `jwks` text NULL, `first_party` tinyint NOT NULL DEFAULT 0, `owner` varchar(255) NULL, `registration_access_token_hash` varchar(64) NULL, `created_at` bigint NOT NULL, `updated_at` bigint NOT NULL, PRIMARY KEY (`client_id`)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin',
  'CREATE TABLE `oauth_authorization_codes` (`id` varchar(36) NOT NULL, `code_hash` varchar(64) NOT NULL, `client_id` varchar(255) NOT NULL, `subject` varchar(255) NOT NULL, `redirect_uri` varchar(2048) NOT NULL, `scopes` text NOT NULL, `code_challenge` varchar(128) NULL, `code_challenge_method` varchar(8) NULL, `nonce` varchar(512) NULL, `auth_time` bigint NULL, `acr` varchar(255) NULL, `resources` text NULL, `expires_at` bigint NOT NULL, `consumed_at` bigint NULL, `created_at` bigint NOT NULL, UNIQUE INDEX `IDX_25c7c7a7cdc5a6eb88200c472c` (`code_hash`), INDEX `IDX_932dd5cf0b72ed912513ca67cf` (`expires_at`), PRIMARY KEY (`id`)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin',
  'CREATE TABLE `oauth_consents` (`id` varchar(36) NOT NULL, `subject` varchar(255) NOT NULL, `client_id` varchar(255) NOT NULL, `scopes` text NOT NULL, `created_at` bigint NOT NULL, `updated_at` bigint NOT NULL, UNIQUE INDEX `uq_oauth_consents_subject_client` (`subject`, `client_id`), PRIMARY KEY (`id`)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin',
  'CREATE TABLE `oauth_interactions` (`id` varchar(64) NOT NULL, `request` text NOT NULL, `subject` varchar(255) NULL, `browser_binding_hash` varchar(64) NOT NULL, `expires_at` bigint NOT NULL, `consumed_at` bigint NULL, `created_at` bigint NOT NULL, INDEX `IDX_d23723a78657536d4cf0ca9781` (`expires_at`), PRIMARY KEY (`id`)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin',
  'CREATE TABLE `oauth_signing_keys` (`kid` varchar(64) NOT NULL, `alg` varchar(16) NOT NULL, `private_jwk` text NOT NULL, `public_jwk` text NOT NULL, `status` varchar(16) NOT NULL, `created_at` bigint NOT NULL, `rotated_at` bigint NULL, `retired_at` bigint NULL, PRIMARY KEY (`kid`)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin',
  "CREATE TABLE `oauth_tokens` (`id` varchar(36) NOT NULL, `access_token_hash` varchar(64) NULL, `refresh_token_hash` varchar(64) NULL, `client_id` varchar(255) NOT NULL, `subject` varchar(255) NULL, `scopes` text NOT NULL, `refresh_scopes` text NULL, `grant_type` varchar(255) NOT NULL, `family_id` varchar(36) NOT NULL, `refresh_count` int NOT NULL DEFAULT '0', `audience` text NOT NULL, `issued_at` bigint NOT NULL, `expires_at` bigint NOT NULL, `refresh_expires_at` bigint NULL, `refresh_consumed_at` bigint NULL, `revoked_at` bigint NULL, `origin_code_id` varchar(36) NULL, `auth_time` bigint NULL, UNIQUE INDEX `IDX_106cc08f99327d67172b5ecf4a` (`access_token_hash`), UNIQUE INDEX `IDX_c740cc0990265bb0e8e51ca986` (`refresh_token_hash`), INDEX `IDX_be15e1038f434b11598ed586fe` (`client_id`), INDEX `IDX_cb683bc1f7e330100759b902f5` (`subject`), INDEX `IDX_fb68d5bec45b82dcb66f1e347c` (`family_id`), INDEX `IDX_0dc2957a47ec8c4830ee913a2d` (`expires_at`), INDEX `IDX_4ee53fe8f73356d580b01e5866` (`origin_code_id`), PRIMARY KEY (`id`)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin",
];

const TABLES = [
  'oauth_client_assertions',
  'oauth_tokens',
  'oauth_signing_keys',
  'oauth_interactions',
  'oauth_consents',
  'oauth_authorization_codes',
  'oauth_clients',
];

export class OAuthInitialSchema1764100000000 implements MigrationInterface {
  name = 'OAuthInitialSchema1764100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // The schema may exist already, made by this same migration but recorded in another
    // migrations table: the app's DataSource records it in its own table, a DataSource the
    // module builds (e.g. for the CLI given connection options) in oauth_migrations. Then there
    // is nothing to do, and TypeORM records the migration in this table too.
    if (await allTablesExist(queryRunner, TABLES, this.name)) return;
    for (const sql of statementsFor(queryRunner.connection.options.type, {
      POSTGRES,
      SQLITE,
      MYSQL,
    })) {
      await queryRunner.query(sql);
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    // The driver's own quoting: MySQL reads "name" as a string, not an identifier.
    const escape = (name: string) => queryRunner.connection.driver.escape(name);
    for (const table of TABLES) await queryRunner.query(`DROP TABLE ${escape(table)}`);
  }
}
