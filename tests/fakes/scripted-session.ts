import { expect, vi } from 'vitest';
import { samplesPerFrame } from '../../src/shared/audio-frame.ts';
import type { SessionState } from '../../src/shared/session.ts';
import type { TranscriptEvent } from '../../src/shared/transcript.ts';
import { Session, type SessionOptions } from '../../src/core/session/session.ts';
import { ManualSource } from './manual-source.ts';
import { SCRIPTED_RATE, ScriptedService } from './scripted-service.ts';

/** One 20 ms frame at the scripted service's rate. */
export const FRAME = samplesPerFrame(SCRIPTED_RATE);

/** A session on a ScriptedService under fake timers, with everything it emitted. */
export interface ScriptedRun {
  readonly session: Session;
  readonly service: ScriptedService;
  readonly source: ManualSource;
  readonly events: TranscriptEvent[];
  readonly states: SessionState[];
  readonly warnings: string[];
  /** Captures `ms` of audio in 20 ms frames, fake time advancing with each frame as for a microphone. */
  speak(ms: number): Promise<void>;
  /** Captures `samples` of audio at once (audio piling up while time stands still). */
  capture(samples: number): void;
}

/** Lets fake time pass: timers due by then fire, and the service's answers arrive. */
export async function advance(ms: number): Promise<void> {
  await vi.advanceTimersByTimeAsync(ms);
}

/**
 * Starts a session on `service` and waits (in fake time) until it streams. Every sample
 * captured is distinct (a ramp), so comparing audio compares positions too.
 */
export async function startScripted(
  options: Partial<SessionOptions> = {},
  service = new ScriptedService(),
): Promise<ScriptedRun> {
  const source = new ManualSource(SCRIPTED_RATE);
  const session = new Session({
    source,
    provider: service.adapter,
    openTransport: service.openTransport,
    backoff: { baseMs: 100, maxMs: 100 },
    ...options,
  });
  const events: TranscriptEvent[] = [];
  const states: SessionState[] = [];
  const warnings: string[] = [];
  session.on('transcript', (e) => events.push(e));
  session.on('snapshot', (s) => states.at(-1) !== s.state && states.push(s.state));
  session.on('warning', (w) => warnings.push(`${w.code}: ${w.message}`));
  let next = 0;
  const capture = (samples: number): void => {
    const audio = new Int16Array(samples);
    for (let i = 0; i < samples; i++) audio[i] = ((next++ % 32_000) + 1) | 0;
    source.push(audio);
  };
  const started = session.start();
  await advance(0);
  await started;
  return {
    session,
    service,
    source,
    events,
    states,
    warnings,
    capture,
    async speak(ms: number): Promise<void> {
      for (let t = 0; t < ms; t += 20) {
        capture(FRAME);
        await advance(20);
      }
    },
  };
}

/** stop() drains: the connection ends its stream, the scripted service answers it, the session is idle. */
export async function stopScripted(run: ScriptedRun): Promise<void> {
  const stopped = run.session.stop();
  await advance(0);
  expect((await stopped).state).toBe('idle');
}

/** The text of the finals emitted, in order. */
export function finalTexts(events: readonly TranscriptEvent[]): string[] {
  return events.filter((e) => e.isFinal).map((e) => e.text);
}
