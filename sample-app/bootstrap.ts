import 'reflect-metadata';
import { INestApplication, LoggerService, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module';
import { loadSampleConfig, SampleConfig } from './config';
import { createHttpAdapter } from './http/create-http-adapter';
import { setupSwagger } from './swagger';

export interface SampleAppOptions {
  /** Nest's logger option: `false` for silence (tests). Default: Nest's console logger. */
  logger?: LoggerService | LogLevel[] | false;
}

/**
 * Builds and initializes the sample app from an environment (see config.ts: PORT, OAUTH_ISSUER,
 * DATABASE_URL, OAUTH_REGISTRATION_TOKEN, SESSION_SECRET, HOST, HTTP_ADAPTER) on the Express or
 * Fastify adapter; the schema is migrated and the users seeded. It does not listen yet: call
 * `app.listen(config.port)`, or use `startSampleApp`.
 */
export async function createSampleApp(
  env: NodeJS.ProcessEnv = process.env,
  options: SampleAppOptions = {},
): Promise<{ app: INestApplication; config: SampleConfig }> {
  const config = loadSampleConfig(env);
  const app = await NestFactory.create(
    AppModule.forRoot(config),
    createHttpAdapter(config.httpAdapter),
    { logger: options.logger, abortOnError: false },
  );
  setupSwagger(app);
  await app.init();
  return { app, config };
}

/**
 * Builds the sample app and listens on PORT (HOST). Returns the app and its issuer URL.
 * The caller closes it with `app.close()`.
 */
export async function startSampleApp(
  env: NodeJS.ProcessEnv = process.env,
  options: SampleAppOptions = {},
): Promise<{ app: INestApplication; config: SampleConfig; url: string }> {
  const { app, config } = await createSampleApp(env, options);
  try {
    if (config.host) await app.listen(config.port, config.host);
    else await app.listen(config.port);
  } catch (err) {
    await app.close();
    throw err;
  }
  return { app, config, url: config.issuer };
}
