/** A wrong module option. The message names the option and says what to change. */
export class OAuthConfigurationError extends Error {
  constructor(
    readonly option: string,
    problem: string,
  ) {
    super(`OAuthModule option "${option}" ${problem}`);
    this.name = 'OAuthConfigurationError';
  }
}
