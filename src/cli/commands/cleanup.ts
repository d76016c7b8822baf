import type { CleanupService } from '../../lifecycle/cleanup.service';
import type { CommandOutput } from './clients';

/** One cleanup run, the same as the module's background job. */
export async function runCleanup(cleanup: CleanupService): Promise<CommandOutput> {
  const report = await cleanup.run();
  return {
    json: report,
    text: [
      `Deleted ${report.codes} authorization code(s), ${report.tokens} token row(s),`,
      `${report.interactions} pending sign-in(s), ${report.pushedRequests} pushed authorization request(s),`,
      `${report.deviceAuthorizations} device authorization(s), ${report.clientAssertions} used client assertion(s)`,
      `and ${report.attemptLimits} failed-attempt counter(s).`,
    ].join(' '),
  };
}
