// A host's first day, as a host lives it: test/host-app is laid out like a `nest new` app (Nest
// 11, CommonJS: Jest 30, ts-jest, the generated tsconfig.json) and follows the README (its
// AppModule, UsersService, AccountsController, oauth.config.js for the CLI). It is installed with
// npm from the registry, with the packed package, so npm's own choice of our peers is what runs.
// Then: its e2e tests with `nest-oauth-server/testing` (its test/jest-e2e.json is the one
// docs/testing.md shows), its type-check, and its build started as `node dist/main` on Express
// and Fastify, where a client made with the README's CLI line gets a token for a guarded route.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expectReadmeClientToReachGuardedRoute } from './consumer/guarded-route';
import { installApp, installedNestMajors } from './consumer/install-app';
import { packLibrary, ROOT } from './consumer/pack-library';

const HOST = path.join(ROOT, 'test/tmp/host-app');
// The host's own Jest and TypeScript, as npm installed them.
const JEST = path.join(HOST, 'node_modules/jest/bin/jest.js');
const TSC = path.join(HOST, 'node_modules/typescript/bin/tsc');
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
    env: { ...process.env, NODE_ENV: 'test', FORCE_COLOR: '0', DATABASE_FILE: ':memory:' },
    timeout: 180_000,
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('a Nest 11 host app, installed from npm with the packed package', () => {
  beforeAll(() => {
    const tarball = packLibrary(path.join(ROOT, 'test/tmp'));
    try {
      installApp(path.join(ROOT, 'test/host-app'), HOST, tarball);
    } finally {
      fs.rmSync(tarball);
    }
  }, 300_000);

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

  it('gets Nest packages of one major only (npm must not pick a Nest 12 peer)', () => {
    const majors = installedNestMajors(HOST);
    expect(majors['@nestjs/core']).toBe(11);
    expect(Object.entries(majors).filter(([, major]) => major !== 11)).toEqual([]);
  });

  describe('started as `node dist/main`', () => {
    const database = path.join(HOST, 'oauth.sqlite');

    beforeAll(() => {
      const { status, output } = run(TSC, ['-p', 'tsconfig.build.json']);
      expect(output).toBe('');
      expect(status).toBe(0);
      fs.rmSync(database, { force: true });
    }, 120_000);

    it.each(['express', 'fastify'])(
      "gives the README's CLI client a token for a guarded route on %s",
      (adapter) => expectReadmeClientToReachGuardedRoute(HOST, 'dist/main', adapter, database),
      90_000,
    );
  });
});
