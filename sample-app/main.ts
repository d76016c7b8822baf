// The sample app: `npm run sample` (see sample-app/README.md for the environment variables).
import { Logger } from '@nestjs/common';
import { startSampleApp } from './bootstrap';
import { SampleConfigError } from './config';

async function main(): Promise<void> {
  const { app, url, config } = await startSampleApp(process.env);
  app.enableShutdownHooks();
  new Logger('Sample').log(
    `Authorization server ready at ${url} on ${config.httpAdapter} ` +
      `(metadata: ${url}/.well-known/oauth-authorization-server)`,
  );
}

main().catch((err) => {
  // A bad variable needs only its message (which says how to fix it), not a stack trace.
  console.error(err instanceof SampleConfigError ? `Sample app not started: ${err.message}` : err);
  process.exit(1);
});
