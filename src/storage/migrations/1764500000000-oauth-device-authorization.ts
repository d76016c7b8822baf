import { MigrationInterface, QueryRunner } from 'typeorm';
import { allTablesExist } from './existing-tables';
import { statementsFor } from './statements-for';

/*
 * Device authorizations (RFC 8628) and the failed-attempt limits of the device verification page
 * and the password grant. SQL generated from the entities by scripts/print-schema.ts, as in the
 * initial migration.
 */
const POSTGRES = [
  `CREATE TABLE "oauth_device_authorizations" ("id" character varying(36) NOT NULL, "device_code_hash" character varying(64) NOT NULL, "user_code_hash" character varying(64) NOT NULL, "client_id" character varying(255) NOT NULL, "scopes" text NOT NULL, "resources" text, "status" character varying(16) NOT NULL, "subject" character varying(255), "auth_time" bigint, "acr" character varying(255), "poll_interval" integer NOT NULL, "next_poll_at" bigint NOT NULL, "expires_at" bigint NOT NULL, "consumed_at" bigint, "created_at" bigint NOT NULL, CONSTRAINT "PK_a09d3a5044901cd603572e4d21d" PRIMARY KEY ("id"))`,
  `CREATE UNIQUE INDEX "IDX_6f700b80f6b1f7b90f7df6fd70" ON "oauth_device_authorizations" ("device_code_hash")`,
  `CREATE UNIQUE INDEX "IDX_d84cb40b88c6374c4a032b6aa3" ON "oauth_device_authorizations" ("user_code_hash")`,
  `CREATE INDEX "IDX_17b48811d83647dd803d6ab26b" ON "oauth_device_authorizations" ("expires_at")`,
  `CREATE TABLE "oauth_attempt_limits" ("id" character varying(64) NOT NULL, "failures" integer NOT NULL, "blocked_until" bigint, "expires_at" bigint NOT NULL, CONSTRAINT "PK_144f7a6394af6a5a91a3d783969" PRIMARY KEY ("id"))`,
  `CREATE INDEX "IDX_f4de3ccd1f5a2d0e99440a79f3" ON "oauth_attempt_limits" ("expires_at")`,
];

const SQLITE = [
  `CREATE TABLE "oauth_device_authorizations" ("id" varchar(36) PRIMARY KEY NOT NULL, "device_code_hash" varchar(64) NOT NULL, "user_code_hash" varchar(64) NOT NULL, "client_id" varchar(255) NOT NULL, "scopes" text NOT NULL, "resources" text, "status" varchar(16) NOT NULL, "subject" varchar(255), "auth_time" bigint, "acr" varchar(255), "poll_interval" integer NOT NULL, "next_poll_at" bigint NOT NULL, "expires_at" bigint NOT NULL, "consumed_at" bigint, "created_at" bigint NOT NULL)`,
  `CREATE UNIQUE INDEX "IDX_6f700b80f6b1f7b90f7df6fd70" ON "oauth_device_authorizations" ("device_code_hash")`,
  `CREATE UNIQUE INDEX "IDX_d84cb40b88c6374c4a032b6aa3" ON "oauth_device_authorizations" ("user_code_hash")`,
  `CREATE INDEX "IDX_17b48811d83647dd803d6ab26b" ON "oauth_device_authorizations" ("expires_at")`,
  `CREATE TABLE "oauth_attempt_limits" ("id" varchar(64) PRIMARY KEY NOT NULL, "failures" integer NOT NULL, "blocked_until" bigint, "expires_at" bigint NOT NULL)`,
  `CREATE INDEX "IDX_f4de3ccd1f5a2d0e99440a79f3" ON "oauth_attempt_limits" ("expires_at")`,
];

/* MySQL and MariaDB: utf8mb4_bin, so hashes compare case-sensitively (see the initial migration). */
const MYSQL = [
  'CREATE TABLE `oauth_device_authorizations` (`id` varchar(36) NOT NULL, `device_code_hash` varchar(64) NOT NULL, `user_code_hash` varchar(64) NOT NULL, `client_id` varchar(255) NOT NULL, `scopes` text NOT NULL, `resources` text NULL, `status` varchar(16) NOT NULL, `subject` varchar(255) NULL, `auth_time` bigint NULL, `acr` varchar(255) NULL, `poll_interval` int NOT NULL, `next_poll_at` bigint NOT NULL, `expires_at` bigint NOT NULL, `consumed_at` bigint NULL, `created_at` bigint NOT NULL, UNIQUE INDEX `IDX_6f700b80f6b1f7b90f7df6fd70` (`device_code_hash`), UNIQUE INDEX `IDX_d84cb40b88c6374c4a032b6aa3` (`user_code_hash`), INDEX `IDX_17b48811d83647dd803d6ab26b` (`expires_at`), PRIMARY KEY (`id`)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin',
  'CREATE TABLE `oauth_attempt_limits` (`id` varchar(64) NOT NULL, `failures` int NOT NULL, `blocked_until` bigint NULL, `expires_at` bigint NOT NULL, INDEX `IDX_f4de3ccd1f5a2d0e99440a79f3` (`expires_at`), PRIMARY KEY (`id`)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin',
];

const TABLES = ['oauth_attempt_limits', 'oauth_device_authorizations'];

export class OAuthDeviceAuthorization1764500000000 implements MigrationInterface {
  name = 'OAuthDeviceAuthorization1764500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // Already run through the other migrations table (see OAUTH_MIGRATIONS): nothing to do.
    if (await allTablesExist(queryRunner, TABLES, this.name)) return;
    const driver = queryRunner.connection.options.type;
    for (const sql of statementsFor(driver, { POSTGRES, SQLITE, MYSQL })) {
      await queryRunner.query(sql);
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const escape = (name: string) => queryRunner.connection.driver.escape(name);
    for (const table of TABLES) await queryRunner.query(`DROP TABLE ${escape(table)}`);
  }
}
