// What the e2e specs run against: an HTTP adapter and a database. Express runs on every database;
// Fastify on SQLite only. The adapter changes the module's HTTP boundary, not its storage, so one
// database proves it, and CI stays under 30 minutes (Fastify on every database would double it).
//
// TEST_ADAPTERS narrows the run while developing: `TEST_ADAPTERS=fastify npx jest test/e2e/x.e2e.spec.ts`
// (a comma-separated list of express and fastify; both when unset).
import type { INestApplication, NestApplicationOptions } from '@nestjs/common';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { TestingModule } from '@nestjs/testing';
import { TEST_DATABASE_KINDS, TestDatabaseKind } from './databases';

export const TEST_ADAPTER_KINDS = ['express', 'fastify'] as const;
export type TestAdapterKind = (typeof TEST_ADAPTER_KINDS)[number];

/**
 * One cell of the matrix. An object, not a string, so that a leftover `kind === 'sqlite'` does not
 * compile: specs compare `target.database` (or `target.adapter`) explicitly.
 */
export interface TestTarget {
  readonly database: TestDatabaseKind;
  readonly adapter: TestAdapterKind;
}

function target(database: TestDatabaseKind, adapter: TestAdapterKind): TestTarget {
  // describe.each prints a target with `%s`, which calls toString. Express keeps the bare database
  // name, so the test names from before the adapter axis stay the same.
  const name = adapter === 'express' ? database : `${database} on ${adapter}`;
  return Object.freeze({ database, adapter, toString: () => name });
}

const ALL_TARGETS: readonly TestTarget[] = [
  ...TEST_DATABASE_KINDS.map((database) => target(database, 'express')),
  target('sqlite', 'fastify'),
];

function adaptersToTest(): readonly TestAdapterKind[] {
  const listed = (process.env.TEST_ADAPTERS ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  if (listed.length === 0) return TEST_ADAPTER_KINDS;
  for (const name of listed) {
    if (!(TEST_ADAPTER_KINDS as readonly string[]).includes(name)) {
      throw new Error(
        `TEST_ADAPTERS lists "${name}": use a comma-separated list of ${TEST_ADAPTER_KINDS.join(', ')}.`,
      );
    }
  }
  return listed as TestAdapterKind[];
}

const ADAPTERS = adaptersToTest();

/** Every target, less the adapters TEST_ADAPTERS leaves out: `describe.each(TEST_TARGETS)`. */
export const TEST_TARGETS: readonly TestTarget[] = ALL_TARGETS.filter((t) =>
  ADAPTERS.includes(t.adapter),
);

/**
 * `describe.each` over the targets on these databases, e.g. `describeOn('sqlite')` for a block
 * that needs SQLite runs it on Express and on Fastify. When TEST_ADAPTERS leaves none of them
 * (Express-only databases under `TEST_ADAPTERS=fastify`), the block is listed as skipped: jest
 * refuses an empty table.
 */
export function describeOn(...databases: TestDatabaseKind[]) {
  const on = (targets: readonly TestTarget[]) =>
    targets.filter((t) => databases.includes(t.database));
  const chosen = on(TEST_TARGETS);
  return chosen.length > 0 ? describe.each(chosen) : describe.skip.each(on(ALL_TARGETS));
}

/** `moduleRef.createNestApplication` on the target's adapter (Nest's default is Express). */
export function createTestApplication(
  moduleRef: TestingModule,
  adapter: TestAdapterKind,
  options: NestApplicationOptions = {},
): INestApplication {
  return adapter === 'fastify'
    ? moduleRef.createNestApplication(new FastifyAdapter(), options)
    : moduleRef.createNestApplication(options);
}
