import * as fs from 'node:fs';
import { CHECKED_IN_REPORT, runApiReport } from '../../scripts/api-report';
import type { ApiReportRun } from '../../scripts/api-report';

/** API Extractor's messages for a changed report, which the first test explains. */
const REPORT_CHANGED_MESSAGES = ['console-api-report-not-copied', 'console-api-report-diff'];

// The public API is what src/index.ts exports, as the published dist/index.d.ts declares it.
// etc/nest-oauth-server.api.md is its reviewed report: any change to the public surface changes
// the report, and this test fails until the new report is generated and committed.
describe('public API report', () => {
  let run: ApiReportRun;

  beforeAll(() => {
    run = runApiReport({ localBuild: false, quiet: true });
  }, 120_000);

  it('matches etc/nest-oauth-server.api.md', () => {
    if (run.result.apiReportChanged) {
      const diff = run.messages.find((message) => message.messageId === 'console-api-report-diff');
      throw new Error(
        'The public API report differs from etc/nest-oauth-server.api.md: ' +
          'run npm run api:report and review the change.\n\n' +
          (diff?.text ??
            'No diff available: compare test/tmp/api-report/nest-oauth-server.api.md.'),
      );
    }
    expect(run.result.apiReportChanged).toBe(false);
  });

  it('reports no other API Extractor error or warning', () => {
    const others = run.messages
      .filter((message) => message.logLevel === 'error' || message.logLevel === 'warning')
      .filter((message) => !REPORT_CHANGED_MESSAGES.includes(message.messageId))
      .map((message) => message.formatMessageWithLocation(process.cwd()));
    expect(others).toEqual([]);
    expect(run.result.errorCount).toBe(0);
  });

  it('reads the public API, not an empty or unrelated entry point', () => {
    for (const report of [run.generatedReport, fs.readFileSync(CHECKED_IN_REPORT, 'utf8')]) {
      expect(report).toContain('export class OAuthModule extends OAuthConfigurableModuleClass');
      expect(report).toContain('export interface OAuthModuleOptions {');
      expect(report).toContain('export interface OAuthModuleAsyncOptions');
      expect(report).toContain('export interface OAuthOptionsFactory {');
      expect(report).not.toContain('OAUTH_MODULE_OPTIONS');
    }
  });
});
