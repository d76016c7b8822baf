import type { SigningKeyService } from '../../keys/signing-key.service';
import type { OAuthConfig } from '../../options/oauth-config';
import type { SigningAlgorithm } from '../../options/oauth-module-options.interface';
import { CliError } from '../errors';
import type { CommandOutput } from './clients';

/** New active key(s); the previous active keys become `retiring` and keep verifying. */
export async function rotateKeys(
  keys: SigningKeyService,
  config: OAuthConfig,
  alg: string | undefined,
): Promise<CommandOutput> {
  if (alg !== undefined && !config.keys.algorithms.includes(alg as SigningAlgorithm)) {
    throw new CliError(
      `--alg must be one of the configured keys.algorithms: ${config.keys.algorithms.join(', ')}`,
    );
  }
  const kids = await keys.rotate(alg as SigningAlgorithm | undefined);
  return {
    json: { created: kids },
    text: [
      `New active signing key(s): ${kids.join(', ')}.`,
      'The previous keys are now retiring: they sign nothing new but keep verifying existing tokens.',
      'Other instances pick up the change within a minute.',
    ].join('\n'),
  };
}

/**
 * Every stored private key encrypted with the first of `keys.encryptionKeys`: keys stored in
 * clear, and keys under an older key-encryption key (the step between adding a new KEK and
 * dropping the old one).
 */
export async function reencryptKeys(keys: SigningKeyService): Promise<CommandOutput> {
  const report = await keys.reencrypt();
  return {
    json: report,
    text: [
      `Re-encrypted ${report.reencrypted.length} signing key(s) with key-encryption key "${report.kek}"` +
        (report.reencrypted.length ? `: ${report.reencrypted.join(', ')}.` : '.'),
      `${report.unchanged} were encrypted with it already.`,
      'Once every instance runs with this key-encryption key first, the older ones can be removed from keys.encryptionKeys.',
    ].join('\n'),
  };
}
