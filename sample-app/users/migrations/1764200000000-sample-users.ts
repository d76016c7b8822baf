import { MigrationInterface, QueryRunner } from 'typeorm';

/*
 * The sample's own table, next to the module's OAUTH_MIGRATIONS in the same DataSource.
 * SQL generated from the User entity by TypeORM's schema builder, as src/storage/migrations does,
 * so that `synchronize` would find nothing left to change.
 */
const POSTGRES = `CREATE TABLE "sample_users" ("id" character varying(36) NOT NULL, "username" character varying(64) NOT NULL, "name" character varying(200) NOT NULL, "email" character varying(320) NOT NULL, "password_hash" character varying(255) NOT NULL, CONSTRAINT "UQ_1510fe9d3a48805d4e4c81cff0a" UNIQUE ("username"), CONSTRAINT "PK_a1929dffa361db427eabcbe2520" PRIMARY KEY ("id"))`;

const SQLITE = `CREATE TABLE "sample_users" ("id" varchar(36) PRIMARY KEY NOT NULL, "username" varchar(64) NOT NULL, "name" varchar(200) NOT NULL, "email" varchar(320) NOT NULL, "password_hash" varchar(255) NOT NULL, CONSTRAINT "UQ_1510fe9d3a48805d4e4c81cff0a" UNIQUE ("username"))`;

// Like the module's tables, utf8mb4_bin: usernames compare exactly as on SQLite and PostgreSQL.
const MYSQL =
  'CREATE TABLE `sample_users` (`id` varchar(36) NOT NULL, `username` varchar(64) NOT NULL, `name` varchar(200) NOT NULL, `email` varchar(320) NOT NULL, `password_hash` varchar(255) NOT NULL, UNIQUE INDEX `IDX_1510fe9d3a48805d4e4c81cff0` (`username`), PRIMARY KEY (`id`)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin';

export class SampleUsers1764200000000 implements MigrationInterface {
  name = 'SampleUsers1764200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
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
    await queryRunner.query(`DROP TABLE ${queryRunner.connection.driver.escape('sample_users')}`);
  }
}
