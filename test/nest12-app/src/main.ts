import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { AppModule } from './app.module.js';

// HTTP_ADAPTER=fastify switches to the adapter the Nest docs show.
const app =
  process.env.HTTP_ADAPTER === 'fastify'
    ? await NestFactory.create(AppModule, new FastifyAdapter())
    : await NestFactory.create(AppModule);
await app.listen(process.env.PORT ?? 3000);
