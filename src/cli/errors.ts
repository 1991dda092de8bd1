import { EarshotError, errorMessage } from '../shared/errors.ts';
import { EXIT_RUNTIME_ERROR, EXIT_USAGE, type CliIo } from './command.ts';

/** A usage error: printed with a hint and exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Prints `error[CODE]: message` (never a stack trace) and returns the exit code. */
export function reportCliError(error: unknown, io: CliIo, command?: string): number {
  if (
    error instanceof UsageError ||
    (error instanceof Error && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'))
  ) {
    io.stderr.write(
      `error[USAGE]: ${error.message}\nRun \`earshot ${command ? `${command} ` : ''}--help\` for usage.\n`,
    );
    return EXIT_USAGE;
  }
  if (error instanceof EarshotError) {
    io.stderr.write(`error[${error.code}]: ${error.message}\n`);
    return error.code === 'USAGE' ? EXIT_USAGE : EXIT_RUNTIME_ERROR;
  }
  const detail = error instanceof Error ? error.message : String(error);
  io.stderr.write(`error[INTERNAL]: ${errorMessage('INTERNAL')} (${detail})\n`);
  return EXIT_RUNTIME_ERROR;
}
