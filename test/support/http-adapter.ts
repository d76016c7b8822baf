// The Nest HTTP adapters the e2e specs run on: Express (Nest's default) and Fastify (issue #13).
import type { AbstractHttpAdapter } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';

export const HTTP_ADAPTER_NAMES = ['express', 'fastify'] as const;
export type HttpAdapterName = (typeof HTTP_ADAPTER_NAMES)[number];

/**
 * A fresh adapter of that name, with each platform's defaults, for
 * `createNestApplication(adapter)` or `NestFactory.create(module, adapter)`. One per app: an
 * adapter holds its server.
 */
export function createHttpAdapter(name: HttpAdapterName): AbstractHttpAdapter {
  switch (name) {
    case 'express':
      return new ExpressAdapter();
    case 'fastify':
      return new FastifyAdapter();
    default: {
      const unknown: never = name;
      throw new Error(`unknown HTTP adapter: ${String(unknown)}`);
    }
  }
}
