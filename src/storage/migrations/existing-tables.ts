import type { QueryRunner } from 'typeorm';

/**
 * Whether a migration's tables are all there already: true if every one exists, false if none
 * does. A mix means an earlier run stopped half-way (MySQL cannot roll DDL back), which no
 * migration should paper over, so it throws, naming what exists and what is missing.
 */
export async function allTablesExist(
  queryRunner: QueryRunner,
  tables: readonly string[],
  migration: string,
): Promise<boolean> {
  const present: string[] = [];
  for (const table of tables) if (await queryRunner.hasTable(table)) present.push(table);
  if (present.length === 0) return false;
  if (present.length === tables.length) return true;
  const missing = tables.filter((table) => !present.includes(table));
  throw new Error(
    `${migration}: the database has ${present.join(', ')} but not ${missing.join(', ')}; ` +
      'an earlier run stopped part-way. Drop the tables it created and run the migrations again.',
  );
}
