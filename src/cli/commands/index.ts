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

/** `load` names its module literally so the bundler keeps each command in a chunk of its own. */
function entry(name: string, summary: string, load: () => Promise<{ default: CliCommand }>): CommandEntry {
  return { name, summary, load: async () => (await load()).default };
}

export const commands: readonly CommandEntry[] = [
  entry('devices', 'list the microphones', () => import('./devices.ts')),
  entry('record', 'record a microphone to a WAV file (a microphone test)', () => import('./record.ts')),
  entry('serve', 'run the offline engine as a WebSocket server', () => import('./serve.ts')),
  entry('transcribe', 'transcribe a microphone or WAV file live', () => import('./transcribe.ts')),
  entry('ui', 'serve the Earshot window as a local web page (headless, tests)', () => import('./ui.ts')),
];
