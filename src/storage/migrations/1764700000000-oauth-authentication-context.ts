import { MigrationInterface, QueryRunner } from 'typeorm';
import { addMissingColumns, AddedColumns, dropAddedColumns } from './added-columns';

/*
 * Authentication context (OIDC acr / amr, step-up of issue #19): the `amr` of the sign-in an
 * authorization code or a device authorization was approved with, and the `acr` and `amr` that
 * tokens carry through refreshes (codes and device authorizations had `acr` already). Columns
 * are added in place on every database, each only when missing, so a second run (through the
 * other migrations table) adds none; the test that the schema builder finds nothing left to
 * change after OAUTH_MIGRATIONS covers this migration too.
 */
const POSTGRES = [
  `ALTER TABLE "oauth_authorization_codes" ADD "amr" text`,
  `ALTER TABLE "oauth_device_authorizations" ADD "amr" text`,
  `ALTER TABLE "oauth_tokens" ADD "acr" character varying(255)`,
  `ALTER TABLE "oauth_tokens" ADD "amr" text`,
];

const SQLITE = [
  `ALTER TABLE "oauth_authorization_codes" ADD COLUMN "amr" text`,
  `ALTER TABLE "oauth_device_authorizations" ADD COLUMN "amr" text`,
  `ALTER TABLE "oauth_tokens" ADD COLUMN "acr" varchar(255)`,
  `ALTER TABLE "oauth_tokens" ADD COLUMN "amr" text`,
];

/* New columns take the tables' utf8mb4_bin default (see the initial schema). */
const MYSQL = [
  'ALTER TABLE `oauth_authorization_codes` ADD `amr` text NULL',
  'ALTER TABLE `oauth_device_authorizations` ADD `amr` text NULL',
  'ALTER TABLE `oauth_tokens` ADD `acr` varchar(255) NULL',
  'ALTER TABLE `oauth_tokens` ADD `amr` text NULL',
];

const COLUMNS: AddedColumns = [
  ['oauth_authorization_codes', 'amr'],
  ['oauth_device_authorizations', 'amr'],
  ['oauth_tokens', 'acr'],
  ['oauth_tokens', 'amr'],
];

export class OAuthAuthenticationContext1764700000000 implements MigrationInterface {
  name = 'OAuthAuthenticationContext1764700000000';

  /** Adds each column the database lacks: a second run (another migrations table) adds none. */
  async up(queryRunner: QueryRunner): Promise<void> {
    await addMissingColumns(queryRunner, { POSTGRES, SQLITE, MYSQL }, COLUMNS);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await dropAddedColumns(queryRunner, COLUMNS);
  }
}
