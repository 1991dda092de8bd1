import type { DeviceInfo } from '../../shared/devices.ts';
import { createNodeCaptureHost } from '../../core/capture-host/node-capture-host.ts';
import { defineCommand, EXIT_OK } from '../command.ts';

const usage = `Usage: earshot devices [--json]

Lists the microphones Earshot can record from and, on Linux desktops, each output's
system audio (KIND "system"). The system default is marked with *.
Pass a KEY, a name, an index or "default" to \`earshot record --device\`.

Options:
  --json   print a JSON array of {key, name, index, hostApi, maxInputChannels,
           defaultSampleRate, isDefault, kind} and nothing else; kind is
           "microphone" or "system"
`;

function table(devices: readonly DeviceInfo[]): string {
  const rows = devices.map((d) => [
    d.isDefault ? '*' : ' ',
    String(d.index),
    d.key,
    d.kind,
    `${d.maxInputChannels} ch`,
    `${d.defaultSampleRate} Hz`,
  ]);
  const header = [' ', 'INDEX', 'KEY', 'KIND', 'CHANNELS', 'RATE'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

const command = defineCommand({
  usage,
  options: { json: { type: 'boolean', default: false } },
  async run(values, io) {
    const host = createNodeCaptureHost(io.env);
    try {
      const devices = await host.listDevices();
      if (values.json) {
        const plain = devices.map(
          ({ key, name, index, hostApi, maxInputChannels, defaultSampleRate, isDefault, kind }) => ({
            key,
            name,
            index,
            hostApi,
            maxInputChannels,
            defaultSampleRate,
            isDefault,
            kind,
          }),
        );
        io.stdout.write(`${JSON.stringify(plain, null, 2)}\n`);
      } else if (devices.length === 0) {
        io.stderr.write('No microphone was found. Connect one and run `earshot devices` again.\n');
      } else {
        io.stdout.write(
          `${table(devices)}\n\n* system default. Record with: earshot record --device <key|name|index|default> --seconds 5 --out test.wav\n`,
        );
      }
      return EXIT_OK;
    } finally {
      await host.dispose();
    }
  },
});

export default command;
