import { DataSource, EntityManager, EntityTarget, IsNull, ObjectLiteral } from 'typeorm';
import { LeanSql } from './lean-sql';
import { inTransaction } from './transaction';

/**
 * Using up something single-use (an authorization code, a refresh token): an UPDATE that must
 * change exactly one row, whose `where` includes "not used yet" (null means IS NULL). When it
 * changes nothing, the thing was used before: a replay.
 */
export interface Spend<T extends ObjectLiteral> {
  entity: EntityTarget<T>;
  where: Partial<Record<keyof T & string, unknown>>;
  values: Partial<Record<keyof T & string, unknown>>;
}

/** Runs the spend (inside `manager`'s transaction when given); false when it was spent before. */
export async function runSpend<T extends ObjectLiteral>(
  dataSource: DataSource,
  spend: Spend<T>,
  manager: EntityManager = dataSource.manager,
): Promise<boolean> {
  const lean = LeanSql.for(dataSource);
  if (lean)
    return (await lean.table(spend.entity).update(spend.where, spend.values, manager)) === 1;
  const where = Object.fromEntries(
    Object.entries(spend.where).map(([property, value]) => [
      property,
      value === null ? IsNull() : value,
    ]),
  );
  const result = await manager.update(spend.entity, where, spend.values as never);
  return result.affected === 1;
}

/**
 * Spends, and only then inserts `row` into `entity`: both or neither. False (nothing inserted)
 * when it was spent before. PostgreSQL does it in one statement; other databases in a
 * transaction, which on SQLite queues behind the others.
 */
export async function insertIfSpent<T extends ObjectLiteral, R extends ObjectLiteral>(
  dataSource: DataSource,
  spend: Spend<T>,
  entity: EntityTarget<R>,
  row: R,
): Promise<boolean> {
  const lean = LeanSql.for(dataSource);
  if (lean?.type === 'postgres')
    return lean
      .table(entity)
      .insertIfUpdated(
        { table: lean.table(spend.entity), where: spend.where, values: spend.values },
        row,
      );
  return inTransaction(dataSource, async (manager) => {
    if (!(await runSpend(dataSource, spend, manager))) return false;
    if (lean) await lean.table(entity).insert(row, manager);
    else await manager.insert(entity, row);
    return true;
  });
}
