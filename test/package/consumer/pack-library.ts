import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const ROOT = path.resolve(__dirname, '../../..');

/** `npm pack`s the repository (its prepack builds dist/) into `destination`; returns the tarball. */
export function packLibrary(destination: string): string {
  fs.mkdirSync(destination, { recursive: true });
  const result = spawnSync(
    'npm',
    ['pack', '--json', '--ignore-scripts=false', '--pack-destination', destination],
    { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
  if (result.status !== 0) throw new Error(`npm pack failed:\n${result.stderr}`);
  const [pack] = JSON.parse(result.stdout) as { filename: string }[];
  return path.join(destination, pack.filename);
}
