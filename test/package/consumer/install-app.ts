import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT } from './pack-library';

/**
 * Copies a fixture app to `target` and runs `npm install` there as its authors would, from the
 * npm registry, with two substitutions in its package.json: nest-oauth-server is the packed
 * tarball, and better-sqlite3 links to this repository's compiled copy (same Node, same major;
 * without a reachable prebuilt binary, compiling it takes minutes). Install scripts are skipped
 * for that reason too; nothing else in the fixtures needs one.
 */
export function installApp(fixture: string, target: string, tarball: string): void {
  fs.rmSync(target, { recursive: true, force: true });
  fs.cpSync(fixture, target, { recursive: true });
  const manifestFile = path.join(target, 'package.json');
  const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
  manifest.dependencies['nest-oauth-server'] = `file:${tarball}`;
  manifest.dependencies['better-sqlite3'] =
    `file:${path.join(ROOT, 'node_modules/better-sqlite3')}`;
  fs.writeFileSync(manifestFile, JSON.stringify(manifest, null, 2));
  const result = spawnSync(
    'npm',
    ['install', '--no-audit', '--no-fund', '--prefer-offline', '--ignore-scripts'],
    { cwd: target, encoding: 'utf8', timeout: 240_000 },
  );
  if (result.status !== 0) {
    throw new Error(`npm install in ${target} failed:\n${result.stdout}${result.stderr}`);
  }
}

/** The major version of every installed @nestjs/* package, by name. */
export function installedNestMajors(app: string): Record<string, number> {
  const scope = path.join(app, 'node_modules/@nestjs');
  return Object.fromEntries(
    fs.readdirSync(scope).map((name) => {
      const { version } = JSON.parse(
        fs.readFileSync(path.join(scope, name, 'package.json'), 'utf8'),
      );
      return [`@nestjs/${name}`, Number(version.split('.')[0])];
    }),
  );
}
