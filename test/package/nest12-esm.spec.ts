// A Nest 12 app's first day: Nest 12 is ESM-only, so test/nest12-app is an ES module app
// ("type": "module", tsconfig nodenext) that follows the README (its AppModule, UsersService,
// AccountsController, an ES module oauth.config.js for the CLI). It is installed with npm from
// the registry with the packed package, which is CommonJS and loads Nest 12 and jose through
// require(esm). Then: its build started as `node dist/main.js` on Express and Fastify, where a
// client made with the README's CLI line gets a token for a guarded route, and its own e2e test
// (vitest) with `nest-oauth-server/testing`.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expectReadmeClientToReachGuardedRoute } from './consumer/guarded-route';
import { installApp, installedNestMajors } from './consumer/install-app';
import { packLibrary, ROOT } from './consumer/pack-library';

const APP = path.join(ROOT, 'test/tmp/nest12-app');

function run(script: string, args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [path.join(APP, script), ...args], {
    cwd: APP,
    encoding: 'utf8',
    env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1', ...env },
    timeout: 120_000,
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('a Nest 12 (ESM) app, installed from npm with the packed package', () => {
  const database = path.join(APP, 'oauth.sqlite');

  beforeAll(() => {
    const tarball = packLibrary(path.join(ROOT, 'test/tmp'));
    try {
      installApp(path.join(ROOT, 'test/nest12-app'), APP, tarball);
    } finally {
      fs.rmSync(tarball);
    }
    const build = run('node_modules/typescript/bin/tsc', ['-p', 'tsconfig.json']);
    expect(build.output).toBe('');
    expect(build.status).toBe(0);
  }, 300_000);

  it('gets Nest 12 packages only', () => {
    const majors = installedNestMajors(APP);
    expect(majors['@nestjs/core']).toBe(12);
    expect(Object.entries(majors).filter(([, major]) => major !== 12)).toEqual([]);
  });

  it.each(['express', 'fastify'])(
    "gives the README's CLI client a token for a guarded route on %s",
    (adapter) => expectReadmeClientToReachGuardedRoute(APP, 'dist/main.js', adapter, database),
    90_000,
  );

  it("runs the app's own vitest e2e test with the testing helper", () => {
    const { status, output } = run('node_modules/vitest/vitest.mjs', ['run'], {
      NODE_ENV: 'test',
      DATABASE_FILE: ':memory:',
    });
    expect(output).toMatch(/Tests\s+1 passed \(1\)/);
    expect(status).toBe(0);
  });
});
