// One config for unit specs (beside the code) and e2e specs (test/).
// jose 6 and oauth4webapi ship ESM only: @swc/jest turns them into CommonJS too,
// which is why they are removed from transformIgnorePatterns below.
const swc = JSON.parse(require('fs').readFileSync(`${__dirname}/.swcrc`, 'utf8'));

module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/src', '<rootDir>/test'],
  testMatch: ['**/*.spec.ts'],
  transform: { '^.+\\.(t|j|mj)sx?$': ['@swc/jest', { ...swc, swcrc: false }] },
  transformIgnorePatterns: ['/node_modules/(?!(jose|oauth4webapi)/)'],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'json'],
  // Fixture apps installed by test/package specs: their package.json files are not ours.
  modulePathIgnorePatterns: ['<rootDir>/test/tmp/'],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 30000,
};
