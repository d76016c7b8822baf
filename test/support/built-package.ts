// The package as a host installs it: `tsc -p tsconfig.build.json` output plus its manifest, in a
// directory outside the repository, so specs can run the built `nest-oauth-server` command and
// ES module hosts can `import ... from 'nest-oauth-server'`.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const REPO_ROOT = path.resolve(__dirname, '../..');

export interface BuiltPackage {
  /** The package directory (package.json, dist/). */
  dir: string;
  /** The built command line, dist/cli/main.js. */
  cli: string;
}

/** Builds the package into `dir` (about ten seconds). Its dependencies resolve to the repository's. */
export function buildPackage(dir: string): BuiltPackage {
  fs.mkdirSync(dir, { recursive: true });
  execFileSync(
    process.execPath,
    [
      require.resolve('typescript/bin/tsc'),
      '-p',
      path.join(REPO_ROOT, 'tsconfig.build.json'),
      '--outDir',
      path.join(dir, 'dist'),
      '--declaration',
      'false',
    ],
    { stdio: 'pipe' },
  );
  const manifest = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));
  const { name, version, main, exports, bin } = manifest;
  fs.writeFileSync(
    path.join(dir, 'package.json'),
    JSON.stringify({ name, version, main, exports, bin }, null, 2),
  );
  // Where the installed package would find its peers: the host's node_modules.
  fs.symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  return { dir, cli: path.join(dir, 'dist/cli/main.js') };
}

/**
 * Links `names` (packages, or whole @scopes) from the repository's node_modules into
 * `dir/node_modules`, and `nest-oauth-server` to the built package: a host project's install.
 */
export function linkHostModules(dir: string, built: BuiltPackage, names: string[]): void {
  const modules = path.join(dir, 'node_modules');
  fs.mkdirSync(modules, { recursive: true });
  fs.symlinkSync(built.dir, path.join(modules, 'nest-oauth-server'));
  for (const name of names) {
    fs.symlinkSync(path.join(REPO_ROOT, 'node_modules', name), path.join(modules, name));
  }
}
