/** Errors that end a command with a documented exit code (DESIGN.md, "Contracts"). */

export const EXIT = {
  ok: 0,
  /** A regression, or a run whose measurements are not valid. */
  invalid: 1,
  /** Bad input; nothing was touched. */
  badInput: 2,
  /** The environment failed: GPU, Docker, driver. */
  environment: 3,
  interrupted: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export class MigbenchError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Bad input from the user (file, flag, scenario): exit 2, nothing touched. */
export class InputError extends MigbenchError {
  constructor(message: string) {
    super(message, EXIT.badInput);
  }
}

/** The GPU, the driver or the container engine cannot do what the run needs: exit 3. */
export class EnvironmentError extends MigbenchError {
  constructor(message: string) {
    super(message, EXIT.environment);
  }
}

/**
 * A system call that failed (disk full, read-only file system, no permission, I/O error): Node's errors
 * with an errno `code` and the `syscall`. The environment's failure, to be said without a stack trace.
 */
export function isSystemError(error: unknown): error is NodeJS.ErrnoException & { code: string; syscall: string } {
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).code === "string" && typeof (error as NodeJS.ErrnoException).syscall === "string";
}
