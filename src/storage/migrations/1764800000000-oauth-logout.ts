import { MigrationInterface, QueryRunner } from 'typeorm';
import { addMissingColumns, AddedColumns, dropAddedColumns } from './added-columns';

/*
 * OpenID Connect logout: the clients' `post_logout_redirect_uris` (RP-Initiated Logout 1.0) and
 * `backchannel_logout_uri` (Back-Channel Logout 1.0). Columns are added in place on every
 * database, each only when missing (the same database may see this migration again through
 * another migrations table); the test that the schema builder finds nothing left to change
 * after OAUTH_MIGRATIONS covers it.
 */
const POSTGRES = [
  `ALTER TABLE "oauth_clients" ADD "post_logout_redirect_uris" text`,
  `ALTER TABLE "oauth_clients" ADD "backchannel_logout_uri" character varying(2048)`,
];

const SQLITE = [
  `ALTER TABLE "oauth_clients" ADD COLUMN "post_logout_redirect_uris" text`,
  `ALTER TABLE "oauth_clients" ADD COLUMN "backchannel_logout_uri" varchar(2048)`,
];

/* New columns take the table's utf8mb4_bin default (see the initial schema). */
const MYSQL = [
  'ALTER TABLE `oauth_clients` ADD `post_logout_redirect_uris` text NULL',
  'ALTER TABLE `oauth_clients` ADD `backchannel_logout_uri` varchar(2048) NULL',
];

const COLUMNS: AddedColumns = [
  ['oauth_clients', 'post_logout_redirect_uris'],
  ['oauth_clients', 'backchannel_logout_uri'],
];

export class OAuthLogout1764800000000 implements MigrationInterface {
  name = 'OAuthLogout1764800000000';

  /** Adds each column the database lacks: a second run (another migrations table) adds none. */
  async up(queryRunner: QueryRunner): Promise<void> {
    await addMissingColumns(queryRunner, { POSTGRES, SQLITE, MYSQL }, COLUMNS);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await dropAddedColumns(queryRunner, COLUMNS);
  }
}
