import { MigrationInterface, QueryRunner } from 'typeorm';
import { addMissingColumns, AddedColumns, dropAddedColumns } from './added-columns';

/*
 * Rich Authorization Requests (RFC 9396): the approved `authorization_details` travel with the
 * authorization code, the tokens (access token and, for narrowing refreshes, the whole grant)
 * and remembered consent (reusable types only); clients may be limited to some types
 * (`authorization_details_types`). JSON text columns, added in place on every database; the
 * test that the schema builder finds nothing left to change after OAUTH_MIGRATIONS covers them.
 */
const POSTGRES = [
  `ALTER TABLE "oauth_clients" ADD "authorization_details_types" text`,
  `ALTER TABLE "oauth_authorization_codes" ADD "authorization_details" text`,
  `ALTER TABLE "oauth_tokens" ADD "authorization_details" text`,
  `ALTER TABLE "oauth_tokens" ADD "refresh_authorization_details" text`,
  `ALTER TABLE "oauth_consents" ADD "authorization_details" text`,
];

const SQLITE = [
  `ALTER TABLE "oauth_clients" ADD COLUMN "authorization_details_types" text`,
  `ALTER TABLE "oauth_authorization_codes" ADD COLUMN "authorization_details" text`,
  `ALTER TABLE "oauth_tokens" ADD COLUMN "authorization_details" text`,
  `ALTER TABLE "oauth_tokens" ADD COLUMN "refresh_authorization_details" text`,
  `ALTER TABLE "oauth_consents" ADD COLUMN "authorization_details" text`,
];

/* New columns take the tables' utf8mb4_bin default (see the initial schema). */
const MYSQL = [
  'ALTER TABLE `oauth_clients` ADD `authorization_details_types` text NULL',
  'ALTER TABLE `oauth_authorization_codes` ADD `authorization_details` text NULL',
  'ALTER TABLE `oauth_tokens` ADD `authorization_details` text NULL',
  'ALTER TABLE `oauth_tokens` ADD `refresh_authorization_details` text NULL',
  'ALTER TABLE `oauth_consents` ADD `authorization_details` text NULL',
];

const COLUMNS: AddedColumns = [
  ['oauth_clients', 'authorization_details_types'],
  ['oauth_authorization_codes', 'authorization_details'],
  ['oauth_tokens', 'authorization_details'],
  ['oauth_tokens', 'refresh_authorization_details'],
  ['oauth_consents', 'authorization_details'],
];

export class OAuthAuthorizationDetails1764600000000 implements MigrationInterface {
  name = 'OAuthAuthorizationDetails1764600000000';

  /** Adds each column the database lacks: a second run (another migrations table) adds none. */
  async up(queryRunner: QueryRunner): Promise<void> {
    await addMissingColumns(queryRunner, { POSTGRES, SQLITE, MYSQL }, COLUMNS);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await dropAddedColumns(queryRunner, COLUMNS);
  }
}
