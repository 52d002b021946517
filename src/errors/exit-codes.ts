// Exit codes follow k6: 99 when thresholds fail; 2 for usage, scenario or adapter errors.
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
export const EXIT_THRESHOLDS_FAILED = 99;

/** An error the user can act on; the CLI prints its message (no stack) and exits with `exitCode`. */
export class UsageError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode: number = EXIT_USAGE) {
    super(message);
    this.name = 'UsageError';
    this.exitCode = exitCode;
  }
}
