// The sample app: `npm run sample` (see sample-app/README.md for the environment variables).
import { Logger } from '@nestjs/common';
import { startSampleApp } from './bootstrap';

async function main(): Promise<void> {
  const { app, url } = await startSampleApp(process.env);
  app.enableShutdownHooks();
  new Logger('Sample').log(
    `Authorization server ready at ${url} (metadata: ${url}/.well-known/oauth-authorization-server)`,
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
