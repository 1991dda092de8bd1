import { createRequire } from 'node:module';
import { EXIT_OK, EXIT_USAGE, type CliIo } from './command.ts';
import { commands } from './commands/index.ts';
import { reportCliError } from './errors.ts';
import { installCliLogging } from './logging.ts';
import { holdYoungGeneration } from '../platform/memory/young-generation.ts';

const require = createRequire(import.meta.url);
const { version } = require('../../package.json') as { version: string };

function help(): string {
  const width = Math.max(...commands.map((c) => c.name.length), 8);
  const lines = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return [
    `earshot ${version} — live transcription, headless`,
    '',
    'Usage: earshot <command> [options]',
    '',
    'Commands:',
    ...lines,
    '',
    'Options:',
    '  --help, -h     show help (also `earshot <command> --help`)',
    '  --version, -v  print the version',
    '',
    'Exit codes: 0 ok, 1 runtime error, 2 usage error.',
    '',
  ].join('\n');
}

export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    io.stdout.write(help());
    return first === undefined ? EXIT_USAGE : EXIT_OK;
  }
  if (first === '--version' || first === '-v') {
    io.stdout.write(`${version}\n`);
    return EXIT_OK;
  }
  const entry = commands.find((c) => c.name === first);
  if (!entry) {
    io.stderr.write(`error[USAGE]: unknown command "${first}".\nRun \`earshot --help\` for the list of commands.\n`);
    return EXIT_USAGE;
  }
  try {
    const command = await entry.load();
    if (rest.includes('--help') || rest.includes('-h')) {
      io.stdout.write(`${command.usage.trimEnd()}\n`);
      return EXIT_OK;
    }
    return await command.run(rest, io);
  } catch (error) {
    return reportCliError(error, io, first);
  }
}

/** The process entry used by bin/earshot: wires signals, logging and the exit code. */
export async function runFromProcess(): Promise<void> {
  holdYoungGeneration(); // hours of audio at full speed stay flat (platform/memory/young-generation.ts)
  const controller = new AbortController();
  let signals = 0;
  const onSignal = (): void => {
    signals += 1;
    // A second Ctrl+C means "now": skip the drain.
    if (signals > 1) process.exit(130);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  installCliLogging(process.env);
  const io: CliIo = { stdout: process.stdout, stderr: process.stderr, signal: controller.signal, env: process.env };
  const code = await main(process.argv.slice(2), io);
  process.exitCode = code;
}
