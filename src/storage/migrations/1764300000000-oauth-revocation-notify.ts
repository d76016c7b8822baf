import { MigrationInterface, QueryRunner } from 'typeorm';

/** The channel PostgreSQL notifies when token rows are revoked or deleted. */
export const REVOCATION_CHANNEL = 'oauth_token_revocations';
/** The trigger that notifies it: the revocation feed is used only where it exists. */
export const REVOCATION_TRIGGER = 'oauth_tokens_revocation_notify';

/*
 * PostgreSQL only (a no-op elsewhere): every statement that sets `revoked_at` or deletes token
 * rows notifies REVOCATION_CHANNEL when it commits, whoever runs it (this module on any
 * instance, an operator's SQL). Instances that remember tokens known not to be revoked
 * (PostgresRevocationFeed) forget them on every notification. Idempotent, so the CLI and the app
 * may both run it.
 */
export class OAuthRevocationNotify1764300000000 implements MigrationInterface {
  name = 'OAuthRevocationNotify1764300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type !== 'postgres') return;
    await queryRunner.query(
      `CREATE OR REPLACE FUNCTION "oauth_tokens_notify_revocation"() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_notify('${REVOCATION_CHANNEL}', ''); RETURN NULL; END $$`,
    );
    await queryRunner.query(`DROP TRIGGER IF EXISTS "${REVOCATION_TRIGGER}" ON "oauth_tokens"`);
    await queryRunner.query(
      `CREATE TRIGGER "${REVOCATION_TRIGGER}" AFTER UPDATE OF "revoked_at" OR DELETE ON "oauth_tokens" FOR EACH STATEMENT EXECUTE FUNCTION "oauth_tokens_notify_revocation"()`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type !== 'postgres') return;
    await queryRunner.query(`DROP TRIGGER IF EXISTS "${REVOCATION_TRIGGER}" ON "oauth_tokens"`);
    await queryRunner.query(`DROP FUNCTION IF EXISTS "oauth_tokens_notify_revocation"()`);
  }
}
