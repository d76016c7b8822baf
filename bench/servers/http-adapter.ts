// Which HTTP platform a bench server of ours runs on (BENCH_ADAPTER: express, the default, or
// fastify). Fastify's adapter is loaded only when asked for, so an Express run never needs it.
import type { INestApplication, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { BENCH_ADAPTERS, BenchAdapter } from './common';

export function adapterFromEnv(): BenchAdapter {
  const value = process.env.BENCH_ADAPTER ?? 'express';
  if (!(BENCH_ADAPTERS as readonly string[]).includes(value))
    throw new Error(`BENCH_ADAPTER must be one of ${BENCH_ADAPTERS.join(', ')}, not "${value}"`);
  return value as BenchAdapter;
}

/** The Nest app of `module` on `adapter`, logging errors only. */
export async function createApp(module: Type, adapter: BenchAdapter): Promise<INestApplication> {
  const options = { logger: ['error' as const] };
  if (adapter === 'express') return NestFactory.create(module, options);
  const { FastifyAdapter } = await import('@nestjs/platform-fastify');
  return NestFactory.create(module, new FastifyAdapter(), options);
}
