// The bench's settings come from BENCH_* environment variables; these read them strictly, so a
// typo fails the run instead of silently measuring something else.

export function numberFromEnv(name: string, fallback: number): number {
  const value = process.env[name];
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < 0)
    throw new Error(`${name} must be a non-negative number, not "${value}".`);
  return parsed;
}

export function listFromEnv<T extends string>(name: string, all: readonly T[]): T[] {
  const value = process.env[name];
  if (!value) return [...all];
  const list = value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
  for (const item of list)
    if (!(all as readonly string[]).includes(item))
      throw new Error(`${name}: unknown "${item}" (choose from ${all.join(', ')})`);
  return list as T[];
}
