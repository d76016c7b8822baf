import * as fs from 'node:fs';
import * as path from 'node:path';
import type { OAuthModuleOptions } from '../options/oauth-module-options.interface';
import { CliError } from './errors';
import { importConfigFile } from './import-config-file';

export const DEFAULT_CONFIG_FILE = './oauth.config.js';

/** Looked for in the working directory, in this order, when neither --config nor $OAUTH_CONFIG is given. */
const DEFAULT_CONFIG_FILES = ['js', 'mjs', 'cjs', 'ts', 'mts', 'cts'].map(
  (extension) => `oauth.config.${extension}`,
);

/**
 * Where the config file is: `--config`, else `$OAUTH_CONFIG`, else the first of
 * `./oauth.config.{js,mjs,cjs,ts,mts,cts}` that exists (`./oauth.config.js` if none), from `cwd`.
 */
export function resolveConfigPath(
  flag: string | undefined,
  env: NodeJS.ProcessEnv,
  cwd: string,
): string {
  const given = flag ?? env.OAUTH_CONFIG;
  if (given) return path.resolve(cwd, given);
  const found = DEFAULT_CONFIG_FILES.map((name) => path.join(cwd, name)).find((file) =>
    fs.existsSync(file),
  );
  return found ?? path.resolve(cwd, DEFAULT_CONFIG_FILE);
}

/**
 * Loads the OAuthModule options from a config file: JavaScript (CommonJS or ES module) or
 * TypeScript (see importConfigFile). The file exports the options (`module.exports = {...}` or
 * `export default {...}`) or a function, possibly async, returning them.
 */
export async function loadOAuthOptions(file: string): Promise<OAuthModuleOptions> {
  if (!fs.existsSync(file)) {
    throw new CliError(
      `config file not found: ${file}\n` +
        `Pass --config <path> or set OAUTH_CONFIG to a file exporting your OAuthModule options (default ${DEFAULT_CONFIG_FILE}).`,
    );
  }
  let exported = defaultExport(await importConfigFile(file));
  if (typeof exported === 'function') {
    try {
      exported = await exported();
    } catch (error) {
      throw new CliError(`the function exported by ${file} failed: ${describe(error)}`);
    }
  }
  if (typeof exported !== 'object' || exported === null || Array.isArray(exported)) {
    throw new CliError(
      `${file} must export the OAuthModule options: export default { issuer, dataSource, scopes, ... }, ` +
        'module.exports = {...}, or a function (possibly async) returning them.',
    );
  }
  return exported as OAuthModuleOptions;
}

/**
 * The default export. import() of CommonJS gives `{ default: module.exports }`, and compiled
 * TypeScript puts `export default` on `module.exports.default`: hence up to two levels.
 */
function defaultExport(exported: unknown): unknown {
  for (let level = 0; level < 2 && isObject(exported) && 'default' in exported; level++) {
    exported = exported.default;
  }
  return exported;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return (typeof value === 'object' && value !== null) || typeof value === 'function';
}

function describe(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0];
}
