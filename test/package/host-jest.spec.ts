// A host's own tests, run as a host runs them: test/host-app is laid out like a `nest new` app
// (Nest 11: Jest 30, ts-jest, the generated tsconfig.json), it installs the packed package, and
// its e2e tests use `nest-oauth-server/testing`. Its test/jest-e2e.json is the one docs/testing.md
// shows, so the documentation is what runs here.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const HOST = path.join(ROOT, 'test/tmp/host-app');
const JEST = path.join(ROOT, 'node_modules/jest/bin/jest.js');
const TSC = path.join(ROOT, 'node_modules/typescript/bin/tsc');
const DOC_MARKER = '<!-- host-jest-e2e-config';

/** The test/jest-e2e.json block of docs/testing.md, the first json block after its marker. */
function documentedJestConfig(): Record<string, unknown> {
  const doc = fs.readFileSync(path.join(ROOT, 'docs/testing.md'), 'utf8');
  const block = doc.slice(doc.indexOf(DOC_MARKER)).match(/```json\n([\s\S]*?)\n```/);
  if (!doc.includes(DOC_MARKER) || !block) throw new Error('docs/testing.md lost its Jest config');
  return JSON.parse(block[1]);
}

function run(command: string, args: string[]): { status: number | null; output: string } {
  const result = spawnSync(process.execPath, [command, ...args], {
    cwd: HOST,
    encoding: 'utf8',
    env: { ...process.env, NODE_ENV: 'test', FORCE_COLOR: '0' },
    timeout: 180_000,
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

/** `npm pack`s the repository (its prepack builds dist/) and unpacks it as the host's dependency. */
function installPackedPackage(): void {
  const packed = path.join(ROOT, 'test/tmp');
  const [pack] = JSON.parse(
    spawnSync('npm', ['pack', '--json', '--ignore-scripts=false', '--pack-destination', packed], {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).stdout,
  ) as { filename: string }[];
  const target = path.join(HOST, 'node_modules/nest-oauth-server');
  fs.mkdirSync(target, { recursive: true });
  const tarball = path.join(packed, pack.filename);
  const untar = spawnSync('tar', ['-xzf', tarball, '-C', target, '--strip-components=1']);
  fs.rmSync(tarball);
  if (untar.status !== 0) throw new Error(`tar failed: ${untar.stderr}`);
}

describe('a Nest 11 host app testing with Jest', () => {
  beforeAll(() => {
    fs.rmSync(HOST, { recursive: true, force: true });
    fs.cpSync(path.join(ROOT, 'test/host-app'), HOST, { recursive: true });
    // Its other dependencies (Nest, ts-jest, TypeORM...) resolve from this repository's node_modules.
    fs.writeFileSync(
      path.join(HOST, 'package.json'),
      JSON.stringify({ name: 'host-app', private: true }),
    );
    installPackedPackage();
  }, 180_000);

  function writeJestConfig(name: string, config: Record<string, unknown>): string {
    const file = path.join(HOST, 'test', name);
    fs.writeFileSync(file, JSON.stringify(config, null, 2));
    return path.relative(HOST, file);
  }

  it('cannot load the module with the Jest config that `nest new` generates', () => {
    const { transformIgnorePatterns: _line, ...generated } = documentedJestConfig();
    const { status, output } = run(JEST, [
      '--config',
      writeJestConfig('jest-generated.json', generated),
      '--no-cache',
    ]);
    expect(status).not.toBe(0);
    expect(output).toMatch(/Must use import to load ES Module: \S*\/node_modules\/jose\//);
  });

  it("runs the host's e2e tests with the documented Jest config", () => {
    const { status, output } = run(JEST, [
      '--config',
      writeJestConfig('jest-e2e.json', documentedJestConfig()),
      '--no-cache',
    ]);
    expect(output).toMatch(/Tests:\s+3 passed, 3 total/);
    expect(status).toBe(0);
  });

  it.each([
    ['the generated tsconfig.json (nodenext)', []],
    [
      'moduleResolution node10',
      [
        '--module',
        'commonjs',
        '--moduleResolution',
        'node10',
        '--resolvePackageJsonExports',
        'false',
      ],
    ],
  ])("type-checks the host's imports of both entry points with %s", (_name, flags) => {
    const { status, output } = run(TSC, ['-p', 'tsconfig.json', '--noEmit', ...flags]);
    expect(output).toBe('');
    expect(status).toBe(0);
  });
});
