import { describe, expect, it } from 'vitest';
import type { AudioFrame } from '../../../shared/audio-frame.ts';
import { SourceWatchdog, type WatchdogNotice } from './source-watchdog.ts';

function frame(seq: number, level: number): AudioFrame {
  return {
    seq,
    captureTimeMs: 1_000 + seq * 20,
    sampleRate: 16_000,
    samples: Int16Array.from({ length: 320 }, (_, i) => (i % 2 ? level : -level)),
  };
}

/** `seconds` of both sources; the mic at `micLevel`, system audio at `systemLevel` (null: no frames). */
function feed(
  dog: SourceWatchdog,
  from: number,
  seconds: number,
  micLevel: number,
  systemLevel: number | null,
): number {
  const frames = seconds * 50;
  for (let i = 0; i < frames; i++) {
    dog.frame('mic', frame(from + i, micLevel));
    if (systemLevel !== null) dog.frame('system', frame(from + i, systemLevel));
  }
  return from + frames;
}

describe('SourceWatchdog', () => {
  it('warns when system audio stays silent for 10 s while the mic hears speech, and clears when it sounds', () => {
    const notices: WatchdogNotice[] = [];
    const dog = new SourceWatchdog((n) => notices.push(n));
    let seq = feed(dog, 0, 9, 3_000, 0);
    expect(notices).toEqual([]);
    seq = feed(dog, seq, 2, 3_000, 0);
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatchObject({ code: 'SYSTEM_AUDIO_SILENT', active: true });
    expect(notices[0]!.message).toMatch(/silent while the microphone hears speech.*Check/);
    feed(dog, seq, 1, 3_000, 2_000);
    expect(notices.at(-1)).toMatchObject({ code: 'SYSTEM_AUDIO_SILENT', active: false });
  });

  it('says nothing in a quiet room (neither side speaks)', () => {
    const notices: WatchdogNotice[] = [];
    feed(new SourceWatchdog((n) => notices.push(n)), 0, 30, 10, 0);
    expect(notices).toEqual([]);
  });

  it('warns when one source stops delivering frames while the other goes on (unplugged), and clears on return', () => {
    const notices: WatchdogNotice[] = [];
    const dog = new SourceWatchdog((n) => notices.push(n));
    let seq = feed(dog, 0, 2, 3_000, 2_000);
    seq = feed(dog, seq, 4, 3_000, null);
    expect(notices.map((n) => [n.code, n.active])).toEqual([['SOURCE_LOST', true]]);
    expect(notices[0]!.message).toMatch(/^System audio stopped delivering sound.*other source keeps being transcribed/);
    feed(dog, seq, 1, 3_000, 2_000);
    expect(notices.map((n) => [n.code, n.active])).toEqual([
      ['SOURCE_LOST', true],
      ['SOURCE_LOST', false],
    ]);
  });
});
