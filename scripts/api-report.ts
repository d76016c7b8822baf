// The public API report, etc/nest-oauth-server.api.md (API Extractor, configured by
// api-extractor.json). `npm run api:report` updates it; test/package/api-report.spec.ts checks it.
//
// The declarations are emitted with tsconfig.build.json, as `npm run build` emits dist/, but
// into a fixed folder ignored by Git: the report names the files of warnings it cannot attach
// to a declaration, so the folder must not change from one run to the next.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';
import { Extractor, ExtractorConfig } from '@microsoft/api-extractor';
import type { ExtractorMessage, ExtractorResult } from '@microsoft/api-extractor';

const ROOT = path.resolve(__dirname, '..');
export const DECLARATIONS_FOLDER = path.join(ROOT, 'test/tmp/api-report/dist');
export const CHECKED_IN_REPORT = path.join(ROOT, 'etc/nest-oauth-server.api.md');

/** Emits the package's .d.ts files (only those) into DECLARATIONS_FOLDER. */
export function emitDeclarations(): void {
  fs.rmSync(DECLARATIONS_FOLDER, { recursive: true, force: true });
  const overrides: ts.CompilerOptions = {
    outDir: DECLARATIONS_FOLDER,
    declaration: true,
    emitDeclarationOnly: true,
    sourceMap: false,
    declarationMap: false,
  };
  const parsed = ts.getParsedCommandLineOfConfigFile(
    path.join(ROOT, 'tsconfig.build.json'),
    overrides,
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
        throw new Error(formatDiagnostics([diagnostic]));
      },
    },
  )!;
  const program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options });
  const emitted = program.emit();
  const diagnostics = [...ts.getPreEmitDiagnostics(program), ...emitted.diagnostics];
  if (diagnostics.length > 0 || emitted.emitSkipped) {
    throw new Error(`Declarations not emitted:\n${formatDiagnostics(diagnostics)}`);
  }
}

function formatDiagnostics(diagnostics: readonly ts.Diagnostic[]): string {
  return ts.formatDiagnostics(diagnostics, {
    getCanonicalFileName: (name) => name,
    getCurrentDirectory: () => ROOT,
    getNewLine: () => '\n',
  });
}

export interface ApiReportRun {
  result: ExtractorResult;
  /** The report generated from the source (written beside the declarations). */
  generatedReport: string;
  /** API Extractor's messages when `quiet`, including the diff against the checked-in report. */
  messages: ExtractorMessage[];
}

/**
 * Emits the declarations and runs API Extractor. `localBuild: true` updates the checked-in
 * report; `false` only compares (the result fails when they differ).
 */
export function runApiReport(options: { localBuild: boolean; quiet?: boolean }): ApiReportRun {
  emitDeclarations();
  const configPath = path.join(ROOT, 'api-extractor.json');
  const configObject = ExtractorConfig.loadFile(configPath);
  configObject.mainEntryPointFilePath = path.join(DECLARATIONS_FOLDER, 'index.d.ts');
  const config = ExtractorConfig.prepare({
    configObject,
    configObjectFullPath: configPath,
    packageJsonFullPath: path.join(ROOT, 'package.json'),
  });
  const messages: ExtractorMessage[] = [];
  const result = Extractor.invoke(config, {
    localBuild: options.localBuild,
    printApiReportDiff: true,
    messageCallback: options.quiet
      ? (message) => {
          messages.push(message);
          message.handled = true;
        }
      : undefined,
  });
  const generatedReport = fs.readFileSync(
    path.join(config.reportTempFolder, config.reportConfigs[0].fileName),
    'utf8',
  );
  return { result, generatedReport, messages };
}

if (require.main === module) {
  const { result } = runApiReport({ localBuild: true });
  if (!result.succeeded) {
    console.error(`API Extractor: ${result.errorCount} error(s)`);
    process.exitCode = 1;
  } else if (result.apiReportChanged) {
    console.log(
      `The public API changed: review and commit ${path.relative(ROOT, CHECKED_IN_REPORT)}.`,
    );
  } else {
    console.log(`The public API is unchanged (${path.relative(ROOT, CHECKED_IN_REPORT)}).`);
  }
}
