/** The command line was wrong (unknown command or option, missing argument): exit code 2, usage shown. */
export class UsageError extends Error {
  constructor(
    message: string,
    /** Print the whole usage text (unknown command), not just a pointer to --help. */
    readonly showUsage = false,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Something the user can fix (config file, input file): exit code 1, message only. */
export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliError';
  }
}

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
