import { MigrationInterface, QueryRunner } from 'typeorm';

/*
 * The sample's payments (Payment Initiation API), next to the module's OAUTH_MIGRATIONS in the
 * same DataSource. The unique `authorization_key` is what makes a payment_initiation approval
 * single use: the second INSERT with the same token and detail fails in the database.
 */
const POSTGRES = `CREATE TABLE "sample_payments" ("id" character varying(36) NOT NULL, "authorization_key" character varying(64), "status" character varying(16) NOT NULL, "amount" character varying(20) NOT NULL, "currency" character varying(3) NOT NULL, "creditor" character varying(140) NOT NULL, "creditor_iban" character varying(34), "debtor" character varying(255) NOT NULL, "initiated_by" character varying(255) NOT NULL, "created_at" bigint NOT NULL, CONSTRAINT "UQ_df072861eb6084e8574a00ec0d9" UNIQUE ("authorization_key"), CONSTRAINT "PK_sample_payments" PRIMARY KEY ("id"))`;

const SQLITE = `CREATE TABLE "sample_payments" ("id" varchar(36) PRIMARY KEY NOT NULL, "authorization_key" varchar(64), "status" varchar(16) NOT NULL, "amount" varchar(20) NOT NULL, "currency" varchar(3) NOT NULL, "creditor" varchar(140) NOT NULL, "creditor_iban" varchar(34), "debtor" varchar(255) NOT NULL, "initiated_by" varchar(255) NOT NULL, "created_at" bigint NOT NULL, CONSTRAINT "UQ_df072861eb6084e8574a00ec0d9" UNIQUE ("authorization_key"))`;

const MYSQL =
  'CREATE TABLE `sample_payments` (`id` varchar(36) NOT NULL, `authorization_key` varchar(64) NULL, `status` varchar(16) NOT NULL, `amount` varchar(20) NOT NULL, `currency` varchar(3) NOT NULL, `creditor` varchar(140) NOT NULL, `creditor_iban` varchar(34) NULL, `debtor` varchar(255) NOT NULL, `initiated_by` varchar(255) NOT NULL, `created_at` bigint NOT NULL, UNIQUE INDEX `IDX_df072861eb6084e8574a00ec0d` (`authorization_key`), PRIMARY KEY (`id`)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin';

export class SamplePayments1764600000000 implements MigrationInterface {
  name = 'SamplePayments1764600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    if (await queryRunner.hasTable('sample_payments')) return;
    const driver = queryRunner.connection.options.type;
    if (driver === 'postgres') await queryRunner.query(POSTGRES);
    else if (driver === 'better-sqlite3' || driver === 'sqlite') await queryRunner.query(SQLITE);
    else if (driver === 'mysql' || driver === 'mariadb') await queryRunner.query(MYSQL);
    else
      throw new Error(
        `The sample app has migrations for PostgreSQL, SQLite and MySQL/MariaDB, not "${driver}".`,
      );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `DROP TABLE ${queryRunner.connection.driver.escape('sample_payments')}`,
    );
  }
}
