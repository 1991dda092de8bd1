import { describe, expect, it } from 'vitest';
import { FakeChild } from '../../platform/process/testing/fake-child.ts';
import { isAudioStackNoise, withQuietAudioStderr } from './quiet-stderr.ts';

describe('withQuietAudioStderr', () => {
  it('drops ALSA/JACK enumeration chatter and keeps everything else', () => {
    const fake = new FakeChild(42);
    const child = withQuietAudioStderr(() => fake)({ modulePath: '/x', name: 'capture' });
    const seen: string[] = [];
    child.onStderr((t) => seen.push(t));
    fake.writeStderr(
      "ALSA lib confmisc.c:855:(parse_card) cannot find card '0'\njack server is not running or cannot be started\n",
    );
    fake.writeStderr(
      'Segmentation fault in PaContext\nALSA lib pcm.c:2666:(snd_pcm_open_noupdate) Unknown PCM sysdefault\n',
    );
    fake.writeStderr('ALSA lib conf');
    fake.writeStderr("misc.c:855:(parse_card) cannot find card '0'\nreal problem\n");
    expect(seen).toEqual(['Segmentation fault in PaContext\n', 'real problem\n']);
    expect(child.pid).toBe(42);
  });

  it('drops the PortAudio banners from a piped stdout and passes other lines on', () => {
    const fake = new FakeChild(7);
    const child = withQuietAudioStderr(() => fake)({ modulePath: '/x', name: 'capture' });
    const seen: string[] = [];
    child.onStdout?.((t) => seen.push(t));
    fake.writeStdout('PortAudio V19.6.0-devel, revision unknown\nInput device name is earshot_mic_b\nsomething else\n');
    expect(seen).toEqual(['something else\n']);
  });

  it('recognises the PortAudio banner printed on open', () => {
    expect(isAudioStackNoise('PortAudio V19.6.0-devel, revision unknown')).toBe(true);
    expect(isAudioStackNoise('TypeError: x is not a function')).toBe(false);
  });
});
