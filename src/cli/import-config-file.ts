import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { CliError } from './errors';

/**
 * A real dynamic `import()`. This package is compiled to CommonJS, and TypeScript compiles an
 * `import(x)` written here to `require(x)`, which cannot load an ES module with top-level await
 * and skips the host's ESM loader hooks (`node --import tsx`). A function built from a string at
 * run time is not compiled, so its `import()` stays one.
 */
const dynamicImport = new Function('specifier', 'return import(specifier)') as (
  specifier: string,
) => Promise<unknown>;

/** TypeScript a CommonJS require hook such as @swc-node/register can load (.ts, .tsx, .cts). */
const REQUIRABLE_TYPESCRIPT = /\.c?tsx?$/;

/**
 * What the config file exports. JavaScript (.js, .mjs, .cjs, in a `"type": "module"` package or
 * not) goes through `import()`. TypeScript goes through `require()` with @swc-node/register when
 * it is installed (as before), else through `import()`, for a TS loader the host registered
 * (`NODE_OPTIONS="--import tsx"`) or Node's own type stripping; so does ESM-only TypeScript (.mts).
 */
export async function importConfigFile(file: string): Promise<unknown> {
  if (REQUIRABLE_TYPESCRIPT.test(file) && canRequireTypeScript(file)) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      return require(file);
    } catch (error) {
      // An ES module the require hook cannot load synchronously: import() it instead.
      if (!isRequireEsmError(error)) throw loadError(file, error);
    }
  }
  try {
    return await dynamicImport(pathToFileURL(file).href);
  } catch (error) {
    throw loadError(file, error);
  }
}

/** Whether `require` understands TypeScript, registering @swc-node/register if it can. */
function canRequireTypeScript(file: string): boolean {
  if (require.extensions['.ts']) return true;
  let register: string;
  try {
    register = require.resolve('@swc-node/register', {
      paths: [path.dirname(file), process.cwd(), __dirname],
    });
  } catch {
    return false;
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require(register);
  return true;
}

function isRequireEsmError(error: unknown): boolean {
  const code = (error as { code?: string } | null)?.code;
  return code === 'ERR_REQUIRE_ESM' || code === 'ERR_REQUIRE_ASYNC_MODULE';
}

function loadError(file: string, error: unknown): CliError {
  const code = (error as { code?: string } | null)?.code;
  if (code === 'ERR_UNKNOWN_FILE_EXTENSION' && /\.[cm]?tsx?$/.test(file)) {
    const loader =
      'run the command with a TypeScript loader (NODE_OPTIONS="--import tsx" or "--import @swc-node/register/esm-register")';
    return new CliError(
      REQUIRABLE_TYPESCRIPT.test(file)
        ? `${file} is TypeScript: install @swc-node/register (npm i -D @swc-node/register), ${loader}, or use a .js/.mjs config file.`
        : `${file} is an ES module in TypeScript: ${loader}, or use a .mjs config file.`,
    );
  }
  const message = firstLine(error);
  const hint =
    /^(require|module|exports|__dirname|__filename) is not defined in ES module scope/.test(message)
      ? ' (this file is an ES module, .mjs or .js under "type": "module": use import and export default, or rename it to .cjs)'
      : '';
  return new CliError(`could not load config file ${file}: ${message}${hint}`);
}

/** The first line of an error message (Node appends a "Require stack" to module errors). */
function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0];
}
