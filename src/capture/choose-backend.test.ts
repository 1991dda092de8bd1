import { afterEach, describe, expect, it } from 'vitest';
import { chooseBackend } from './choose-backend.ts';
import { HelperClient } from './helper-client.ts';

/** Which route the capture process takes, and that the log says so. */
describe('chooseBackend', () => {
  const saved = process.env['PULSE_SERVER'];
  afterEach(() => {
    if (saved === undefined) delete process.env['PULSE_SERVER'];
    else process.env['PULSE_SERVER'] = saved;
  });

  function choose(env: NodeJS.ProcessEnv, platform: NodeJS.Platform) {
    const logs: string[] = [];
    const helpers = new HelperClient(() => undefined);
    return chooseBackend(helpers, (_level, message) => logs.push(message), env, platform).then((backend) => ({
      backend,
      logs,
    }));
  }

  it('takes PortAudio on macOS and Windows without asking for a sound server', async () => {
    for (const platform of ['darwin', 'win32'] as const) {
      const { backend, logs } = await choose({}, platform);
      expect(backend.watchDevices).toBeUndefined();
      expect(logs).toEqual(['audio backend: PortAudio']);
    }
  });

  it('falls back to PortAudio on Linux when no sound server answers, and says why', async () => {
    // A socket nobody listens on: pactl runs and finds no server, as on a desktop without one.
    process.env['PULSE_SERVER'] = 'unix:/nonexistent/earshot-test/native';
    const { backend, logs } = await choose({}, 'linux');
    expect(backend.watchDevices).toBeUndefined();
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatch(
      /^audio backend: PortAudio \(no sound server answered: (pactl is not installed|pactl .* failed: .+)\)$/,
    );
  });

  it('takes PortAudio on Linux when told to', async () => {
    const { logs } = await choose({ EARSHOT_AUDIO_BACKEND: 'portaudio' }, 'linux');
    expect(logs).toEqual(['audio backend: PortAudio (EARSHOT_AUDIO_BACKEND=portaudio)']);
  });
});
