import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';

const ROOT = path.resolve(__dirname, '../..');
const FOLDER = path.join(ROOT, 'test/tmp/option-types');

/** Type-checks `source` as a host file importing the package; returns the error messages. */
function typeErrors(source: string): string[] {
  fs.mkdirSync(FOLDER, { recursive: true });
  const file = path.join(FOLDER, 'host.ts');
  fs.writeFileSync(file, source);
  const config = ts.getParsedCommandLineOfConfigFile(
    path.join(ROOT, 'tsconfig.json'),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: () => undefined,
    },
  )!;
  const program = ts.createProgram([file], { ...config.options, noEmit: true });
  return ts
    .getPreEmitDiagnostics(program, program.getSourceFile(file))
    .map((diagnostic) => ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
}

const host = (grantTypes: string) => `
import type { OAuthModuleOptions } from '../../../src';
export const options: Pick<OAuthModuleOptions, 'grantTypes'> = { grantTypes: ${grantTypes} };
`;

describe('option types', () => {
  it('refuses a misspelt built-in grant type at compile time', () => {
    const errors = typeErrors(host(`['client_credential']`));
    expect(errors.join('\n')).toMatch(/"client_credential"' is not assignable to type 'GrantType'/);
  });

  it('accepts the built-in grants and absolute URIs of host grants', () => {
    expect(
      typeErrors(host(`['client_credentials', 'urn:ietf:params:oauth:grant-type:device_code']`)),
    ).toEqual([]);
  });
});
