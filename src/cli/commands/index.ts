import type { CliCommand } from '../command.ts';

/**
 * Every subcommand, in the order `--help` lists them. Each lives in its own file and is
 * loaded only when run, so `earshot --help` starts instantly and a command's native
 * dependencies (PortAudio, sherpa-onnx) load only when needed.
 */
export interface CommandEntry {
  readonly name: string;
  readonly summary: string;
  readonly load: () => Promise<CliCommand>;
}

export const commands: readonly CommandEntry[] = [
  { name: 'serve', summary: 'run the offline engine as a WebSocket server', load: async () => (await import('./serve.ts')).default },
];
