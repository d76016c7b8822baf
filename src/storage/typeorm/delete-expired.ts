import { DataSource, EntityTarget, FindOptionsWhere, ObjectLiteral } from 'typeorm';

/**
 * Deletes at most `batchSize` rows that `where` selects, by primary key, so a cleanup never holds
 * long locks; returns how many. Idempotent: several instances may run it at once.
 */
export async function deleteBatch<T extends ObjectLiteral & { id: string }>(
  dataSource: DataSource,
  entity: EntityTarget<T>,
  where: FindOptionsWhere<T> | FindOptionsWhere<T>[],
  batchSize: number,
): Promise<number> {
  const repository = dataSource.getRepository(entity);
  const rows = await repository.find({
    where,
    select: { id: true } as never,
    take: batchSize,
  });
  if (rows.length === 0) return 0;
  const result = await repository.delete(rows.map((row) => row.id) as never);
  return result.affected ?? rows.length;
}
