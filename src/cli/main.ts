#!/usr/bin/env node
// The `nest-oauth-server` command: manage clients and signing keys from a shell.
import 'reflect-metadata';
import { runCli } from './run';

function exit(code: number): void {
  // Exit once stdout has flushed: the database driver or the host's config may hold handles open.
  process.stdout.write('', () => process.exit(code));
}

runCli(process.argv.slice(2)).then(exit, (error: unknown) => {
  process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
  exit(1);
});
