import type { QueryRunner } from 'typeorm';
import { DialectStatements, statementsFor } from './statements-for';

/** `[table, column]` of each column a migration adds, in the order of its statements. */
export type AddedColumns = readonly (readonly [table: string, column: string])[];

/**
 * Runs the statement of each column the database lacks (`statements` hold one per column, in
 * the order of `columns`): a second run, through another migrations table, adds none.
 */
export async function addMissingColumns(
  queryRunner: QueryRunner,
  statements: DialectStatements,
  columns: AddedColumns,
): Promise<void> {
  const dialect = statementsFor(queryRunner.connection.options.type, statements);
  for (const [index, [table, column]] of columns.entries()) {
    if (!(await queryRunner.hasColumn(table, column))) await queryRunner.query(dialect[index]);
  }
}

/** Drops the columns that exist, last added first. */
export async function dropAddedColumns(
  queryRunner: QueryRunner,
  columns: AddedColumns,
): Promise<void> {
  const escape = (name: string) => queryRunner.connection.driver.escape(name);
  for (const [table, column] of [...columns].reverse()) {
    if (await queryRunner.hasColumn(table, column))
      await queryRunner.query(`ALTER TABLE ${escape(table)} DROP COLUMN ${escape(column)}`);
  }
}
