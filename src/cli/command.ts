import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';

/**
 * One subcommand of `bin/earshot`. `run` returns the process exit code. Its name and
 * one-line summary live in `commands/index.ts`, which lists them without loading the command.
 */
export interface CliCommand {
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

/** The flag values `parseArgs` returns for these options, typed per option. */
export type OptionValues<O extends ParseArgsOptionsConfig> = ReturnType<
  typeof parseArgs<{ options: O; strict: true; allowPositionals: false }>
>['values'];

interface CommandSpec<O extends ParseArgsOptionsConfig> {
  readonly usage: string;
  readonly options: O;
  run(values: OptionValues<O>, io: CliIo): Promise<number>;
}

/**
 * A command whose flags are parsed strictly and take no positionals, so a mistyped or
 * stray word is a usage error (exit 2) instead of being ignored.
 */
export function defineCommand<const O extends ParseArgsOptionsConfig>(spec: CommandSpec<O>): CliCommand {
  return {
    usage: spec.usage,
    async run(argv, io) {
      const { values } = parseArgs({ args: [...argv], strict: true, allowPositionals: false, options: spec.options });
      return spec.run(values, io);
    },
  };
}
