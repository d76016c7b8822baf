import * as fs from 'node:fs';
import * as path from 'node:path';
import { builtinModules } from 'node:module';
import { execFileSync } from 'node:child_process';

const ROOT = path.resolve(__dirname, '../..');
const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [full] : [];
  });
}

/** The package names a file imports at runtime (type-only imports vanish from the build). */
function runtimeImports(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const names = [...text.matchAll(/^import (?!type )[^;]*? from '([^.][^']*)';/gms)].map(
    (match) => match[1],
  );
  return names.map((name) =>
    name.startsWith('@') ? name.split('/').slice(0, 2).join('/') : name.split('/')[0],
  );
}

describe('package manifest', () => {
  it('declares every package the library imports as a dependency or peer dependency', () => {
    const declared = new Set([
      ...Object.keys(manifest.dependencies ?? {}),
      ...Object.keys(manifest.peerDependencies ?? {}),
    ]);
    const builtins = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));
    const missing = new Set<string>();
    for (const file of sourceFiles(path.join(ROOT, 'src'))) {
      for (const name of runtimeImports(file)) {
        if (!builtins.has(name) && !declared.has(name))
          missing.add(`${name} (${path.relative(ROOT, file)})`);
      }
    }
    expect([...missing]).toEqual([]);
  });

  it('points main, types and exports at the build output', () => {
    expect(manifest.main).toBe('dist/index.js');
    expect(manifest.types).toBe('dist/index.d.ts');
    expect(manifest.exports['.']).toMatchObject({
      require: './dist/index.js',
      default: './dist/index.js',
    });
    expect(manifest.files).toEqual(['dist', 'docs']);
  });

  it('serves the testing helpers from their own entry point, never from the main one', () => {
    expect(manifest.exports['./testing']).toEqual({
      types: './dist/testing/index.d.ts',
      require: './dist/testing/index.js',
      default: './dist/testing/index.js',
    });
    // TypeScript's moduleResolution node10 ignores `exports`: typesVersions finds the types.
    expect(manifest.typesVersions['*'].testing).toEqual(['dist/testing/index.d.ts']);
    const main = fs.readFileSync(path.join(ROOT, 'src/index.ts'), 'utf8');
    expect(main).not.toMatch(/from '\.\/testing/);
  });

  it('serves the Swagger integration from its own entry point: only it loads @nestjs/swagger', () => {
    expect(manifest.exports['./swagger']).toEqual({
      types: './dist/swagger/index.d.ts',
      require: './dist/swagger/index.js',
      default: './dist/swagger/index.js',
    });
    expect(manifest.typesVersions['*'].swagger).toEqual(['dist/swagger/index.d.ts']);
    // An optional peer: hosts without it must be able to load the main entry.
    expect(manifest.peerDependenciesMeta['@nestjs/swagger']).toEqual({ optional: true });
    const loaders = sourceFiles(path.join(ROOT, 'src'))
      .filter((file) => runtimeImports(file).includes('@nestjs/swagger'))
      .map((file) => path.relative(ROOT, file));
    expect(loaders.length).toBeGreaterThan(0);
    expect(loaders.filter((file) => !file.startsWith('src/swagger/'))).toEqual([]);
    // Loading the main entry loads nothing of @nestjs/swagger, not even through a relative import.
    const loaded = execFileSync(
      process.execPath,
      [
        '-r',
        '@swc-node/register',
        '-e',
        "require('./src'); console.log(Object.keys(require.cache).filter((f) => f.includes('swagger')).length)",
      ],
      { cwd: ROOT, encoding: 'utf8' },
    );
    expect(loaded.trim()).toBe('0');
  });

  it('packs what the README promises, built, and nothing from the source tree', () => {
    // `npm pack` runs `prepack` (the build), so an unbuilt checkout still packs a full dist.
    const [pack] = JSON.parse(
      execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts=false'], {
        cwd: ROOT,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }),
    ) as { files: { path: string }[] }[];
    const files = pack.files.map((file) => file.path);
    expect(files).toEqual(
      expect.arrayContaining([
        'LICENSE',
        'README.md',
        'package.json',
        'dist/index.js',
        'dist/index.d.ts',
        'dist/cli/main.js',
        'dist/testing/index.js',
        'dist/testing/index.d.ts',
        'dist/swagger/index.js',
        'dist/swagger/index.d.ts',
        'docs/testing.md',
        'docs/openapi.md',
        'docs/cli.md',
        'docs/resource-servers.md',
      ]),
    );
    // Every relative docs/ link of the README resolves inside the package.
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    for (const [, link] of readme.matchAll(/\]\((docs\/[^)#]+)/g)) expect(files).toContain(link);
    // Source maps would point at src/, which is not shipped; specs and sources stay out.
    expect(files.filter((file) => /\.map$|^src\/|\.spec\./.test(file))).toEqual([]);
  });
});
