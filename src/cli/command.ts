/** One subcommand of `bin/earshot`. `run` returns the process exit code. */
export interface CliCommand {
  readonly name: string;
  readonly summary: string;
  /** Full help text, shown by `earshot <name> --help`. */
  readonly usage: string;
  run(argv: readonly string[], io: CliIo): Promise<number>;
}

export interface CliIo {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream;
  /** Aborted on SIGINT/SIGTERM: long-running commands drain and exit 0. */
  readonly signal: AbortSignal;
  readonly env: NodeJS.ProcessEnv;
}

export const EXIT_OK = 0;
export const EXIT_RUNTIME_ERROR = 1;
export const EXIT_USAGE = 2;
