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
  { name: 'devices', summary: 'list the microphones', load: async () => (await import('./devices.ts')).default },
  {
    name: 'record',
    summary: 'record a microphone to a WAV file (a microphone test)',
    load: async () => (await import('./record.ts')).default,
  },
  {
    name: 'serve',
    summary: 'run the offline engine as a WebSocket server',
    load: async () => (await import('./serve.ts')).default,
  },
  {
    name: 'transcribe',
    summary: 'transcribe a microphone or WAV file live',
    load: async () => (await import('./transcribe.ts')).default,
  },
  {
    name: 'ui',
    summary: 'serve the Earshot window as a local web page (headless, tests)',
    load: async () => (await import('./ui.ts')).default,
  },
];
