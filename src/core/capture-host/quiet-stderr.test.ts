import { describe, expect, it } from 'vitest';
import type { ChildHandle } from '../../platform/process/types.ts';
import { isAudioStackNoise, withQuietAudioStderr } from './quiet-stderr.ts';

describe('withQuietAudioStderr', () => {
  it('drops ALSA/JACK enumeration chatter and keeps everything else', () => {
    let stderrListener: (text: string) => void = () => {};
    const fake: ChildHandle = {
      pid: 42,
      postMessage: () => {},
      onMessage: () => {},
      onExit: () => {},
      onStderr: (l) => (stderrListener = l),
      kill: () => {},
    };
    const child = withQuietAudioStderr(() => fake)({ modulePath: '/x', name: 'capture' });
    const seen: string[] = [];
    child.onStderr((t) => seen.push(t));
    stderrListener(
      "ALSA lib confmisc.c:855:(parse_card) cannot find card '0'\njack server is not running or cannot be started\n",
    );
    stderrListener(
      'Segmentation fault in PaContext\nALSA lib pcm.c:2666:(snd_pcm_open_noupdate) Unknown PCM sysdefault\n',
    );
    stderrListener('ALSA lib conf');
    stderrListener("misc.c:855:(parse_card) cannot find card '0'\nreal problem\n");
    expect(seen).toEqual(['Segmentation fault in PaContext\n', 'real problem\n']);
    expect(child.pid).toBe(42);
  });

  it('drops the PortAudio banners from a piped stdout and passes other lines on', () => {
    let stdoutListener: (text: string) => void = () => {};
    const fake: ChildHandle = {
      pid: 7,
      postMessage: () => {},
      onMessage: () => {},
      onExit: () => {},
      onStderr: () => {},
      onStdout: (l) => (stdoutListener = l),
      kill: () => {},
    };
    const child = withQuietAudioStderr(() => fake)({ modulePath: '/x', name: 'capture' });
    const seen: string[] = [];
    child.onStdout?.((t) => seen.push(t));
    stdoutListener('PortAudio V19.6.0-devel, revision unknown\nInput device name is earshot_mic_b\nsomething else\n');
    expect(seen).toEqual(['something else\n']);
  });

  it('recognises the PortAudio banner printed on open', () => {
    expect(isAudioStackNoise('PortAudio V19.6.0-devel, revision unknown')).toBe(true);
    expect(isAudioStackNoise('TypeError: x is not a function')).toBe(false);
  });
});
