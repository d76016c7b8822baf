import type { AbstractHttpAdapter } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { SampleHttpAdapter } from '../config';
import { readBodiesLikeExpress } from './fastify-bodies-like-express';

/** Express's body limit (body-parser's default, 100 KiB), given to Fastify too (its own is 1 MiB). */
const BODY_LIMIT = 100 * 1024;

/**
 * The Nest HTTP adapter named by HTTP_ADAPTER, set up so the sample behaves alike on both: no
 * `X-Powered-By`, bodies up to 100 KiB, gzip, deflate and br bodies inflated, JSON bodies only
 * objects or arrays. (An app copied from the sample keeps the one it runs on.)
 */
export function createHttpAdapter(name: SampleHttpAdapter): AbstractHttpAdapter {
  switch (name) {
    case 'express': {
      const adapter = new ExpressAdapter();
      adapter.disable('x-powered-by');
      return adapter;
    }
    case 'fastify': {
      const adapter = new FastifyAdapter({ bodyLimit: BODY_LIMIT });
      readBodiesLikeExpress(adapter.getInstance());
      return adapter;
    }
    default: {
      const unknown: never = name;
      throw new Error(`unknown HTTP adapter: ${String(unknown)}`);
    }
  }
}
