import * as fs from 'node:fs';
import * as path from 'node:path';
import type { OAuthModuleOptions } from '../options/oauth-module-options.interface';
import { CliError } from './errors';

export const DEFAULT_CONFIG_FILE = './oauth.config.js';

/** Where the config file is: `--config`, else `$OAUTH_CONFIG`, else `./oauth.config.js`, from `cwd`. */
export function resolveConfigPath(
  flag: string | undefined,
  env: NodeJS.ProcessEnv,
  cwd: string,
): string {
  return path.resolve(cwd, flag ?? (env.OAUTH_CONFIG || DEFAULT_CONFIG_FILE));
}

/**
 * Loads the OAuthModule options from a CommonJS file (or TypeScript, when `@swc-node/register`
 * is installed). The file exports the options (`module.exports = {...}` or `export default {...}`)
 * or a function, possibly async, returning them.
 */
export async function loadOAuthOptions(file: string): Promise<OAuthModuleOptions> {
  if (!fs.existsSync(file)) {
    throw new CliError(
      `config file not found: ${file}\n` +
        `Pass --config <path> or set OAUTH_CONFIG to a file exporting your OAuthModule options (default ${DEFAULT_CONFIG_FILE}).`,
    );
  }
  if (/\.[cm]?tsx?$/.test(file)) registerTypeScript(file);

  let exported: unknown;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    exported = require(file);
  } catch (error) {
    throw new CliError(`could not load config file ${file}: ${describe(error)}`);
  }
  if (isObject(exported) && 'default' in exported) exported = exported.default;
  if (typeof exported === 'function') {
    try {
      exported = await exported();
    } catch (error) {
      throw new CliError(`the function exported by ${file} failed: ${describe(error)}`);
    }
  }
  if (typeof exported !== 'object' || exported === null || Array.isArray(exported)) {
    throw new CliError(
      `${file} must export the OAuthModule options: module.exports = { issuer, dataSource, scopes, ... }, ` +
        'export default {...}, or a function (possibly async) returning them.',
    );
  }
  return exported as OAuthModuleOptions;
}

/** Makes `require` understand TypeScript, unless something (e.g. `node -r @swc-node/register`) already did. */
function registerTypeScript(file: string): void {
  if (require.extensions['.ts']) return;
  let register: string;
  try {
    register = require.resolve('@swc-node/register', {
      paths: [path.dirname(file), process.cwd(), __dirname],
    });
  } catch {
    throw new CliError(
      `${file} is TypeScript: install @swc-node/register (npm i -D @swc-node/register) or use a .js config file.`,
    );
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require(register);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return (typeof value === 'object' && value !== null) || typeof value === 'function';
}

/** The first line of an error message (Node appends a "Require stack" to module errors). */
function describe(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0];
}
