import { MigrationInterface, QueryRunner } from 'typeorm';
import { addMissingColumns, AddedColumns, dropAddedColumns } from './added-columns';

/*
 * DPoP (RFC 9449): the key a token or an authorization code is bound to (`dpop_jkt`, a SHA-256
 * JWK thumbprint) and the `dpop_bound_access_tokens` client metadata. Columns are added in
 * place on every database; the test that the schema builder finds nothing left to change after
 * OAUTH_MIGRATIONS covers this migration too. DPoP proof `jti`s go to oauth_client_assertions.
 */
const POSTGRES = [
  `ALTER TABLE "oauth_clients" ADD "dpop_bound_access_tokens" boolean NOT NULL DEFAULT false`,
  `ALTER TABLE "oauth_authorization_codes" ADD "dpop_jkt" character varying(64)`,
  `ALTER TABLE "oauth_tokens" ADD "dpop_jkt" character varying(64)`,
];

const SQLITE = [
  `ALTER TABLE "oauth_clients" ADD COLUMN "dpop_bound_access_tokens" boolean NOT NULL DEFAULT (0)`,
  `ALTER TABLE "oauth_authorization_codes" ADD COLUMN "dpop_jkt" varchar(64)`,
  `ALTER TABLE "oauth_tokens" ADD COLUMN "dpop_jkt" varchar(64)`,
];

/* New columns take the tables' utf8mb4_bin default (see the initial schema). */
const MYSQL = [
  'ALTER TABLE `oauth_clients` ADD `dpop_bound_access_tokens` tinyint NOT NULL DEFAULT 0',
  'ALTER TABLE `oauth_authorization_codes` ADD `dpop_jkt` varchar(64) NULL',
  'ALTER TABLE `oauth_tokens` ADD `dpop_jkt` varchar(64) NULL',
];

const COLUMNS: AddedColumns = [
  ['oauth_clients', 'dpop_bound_access_tokens'],
  ['oauth_authorization_codes', 'dpop_jkt'],
  ['oauth_tokens', 'dpop_jkt'],
];

export class OAuthDpop1764200000000 implements MigrationInterface {
  name = 'OAuthDpop1764200000000';

  /** Adds each column the database lacks: a second run (another migrations table) adds none. */
  async up(queryRunner: QueryRunner): Promise<void> {
    await addMissingColumns(queryRunner, { POSTGRES, SQLITE, MYSQL }, COLUMNS);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await dropAddedColumns(queryRunner, COLUMNS);
  }
}
