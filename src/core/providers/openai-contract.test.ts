import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { clientEventSchema } from '../../shared/realtime/client-events.ts';
import { isServerEventType, serverEventSchema } from '../../shared/realtime/server-events.ts';
import { createProvider } from './index.ts';
import type { ProviderConfig, ProviderEvent, WireMessage } from './types.ts';

/**
 * Contract tests: recorded OpenAI Realtime transcription sessions, built from OpenAI's published
 * reference, guides and SDK types (each fixture names its sources), replayed through the client
 * adapter without a socket. They share nothing with tests/fakes/fake-openai.ts: the server side
 * is what the documentation shows, not what the fake does.
 */
const FIXTURES = join(import.meta.dirname, '../../../tests/fixtures/providers/openai');

const stepSchema = z.union([
  z.object({ server: z.record(z.string(), z.unknown()) }),
  /** The client sends this much (silent) audio at the adapter's rate. */
  z.object({ clientAudioMs: z.number().positive() }),
  /** The client asks for a commit (manual turns, the end of a stream). */
  z.object({ clientCommit: z.literal(true) }),
]);

const fixtureSchema = z.object({
  name: z.string(),
  source: z.array(z.string()).min(1),
  provider: z.object({
    id: z.enum(['openai', 'openai-compatible', 'local']),
    apiKey: z.string(),
    url: z.string().optional(),
    model: z.string().optional(),
    turnDetection: z.enum(['server_vad', 'manual']).optional(),
  }),
  steps: z.array(stepSchema).min(1),
  expect: z.object({
    /** What the adapter sends besides audio, in order; each matched as a subset. */
    sent: z.array(z.record(z.string(), z.unknown())),
    /** Every event the adapter's decoder produces, in order, exactly. */
    events: z.array(z.record(z.string(), z.unknown())),
    /** How the adapter judges the socket's close after the last step. */
    close: z.object({ code: z.number(), reason: z.string(), verdict: z.record(z.string(), z.unknown()) }).optional(),
  }),
});
type Fixture = z.infer<typeof fixtureSchema>;

const FILES = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.json'))
  .sort();

/** Replays a fixture through a fresh stream: what the adapter sent (audio left out) and what it reported. */
function replay(fixture: Fixture) {
  const config: ProviderConfig = fixture.provider;
  const adapter = createProvider(config);
  const stream = adapter.createStream();
  const sent: Record<string, unknown>[] = [];
  const events: ProviderEvent[] = [];
  const record = (messages: readonly WireMessage[]): void => {
    for (const m of messages) {
      expect(typeof m, 'the OpenAI protocol sends text frames only').toBe('string');
      const message = clientEventSchema.parse(JSON.parse(m as string));
      if (message.type !== 'input_audio_buffer.append') sent.push(message);
    }
  };
  const opened = stream.onOpen();
  record(opened.send);
  events.push(...opened.events);
  for (const step of fixture.steps) {
    if ('server' in step) {
      const decoded = stream.decode(Buffer.from(JSON.stringify(step.server)), false);
      record(decoded.send);
      events.push(...decoded.events);
    } else if ('clientAudioMs' in step) {
      record(stream.encodeAudio(new Int16Array(Math.round((step.clientAudioMs * adapter.sampleRate) / 1000))));
    } else {
      record(stream.flush());
    }
  }
  return { stream, sent, events };
}

describe('OpenAI Realtime transcription: recorded sessions from the documentation', () => {
  it('has the sessions the contract needs', () => {
    expect(FILES).toEqual(
      expect.arrayContaining([
        'gpt-4o-transcribe-server-vad.json',
        'whisper-1-manual-commit.json',
        'error-events.json',
        'beta-transcription-session.json',
      ]),
    );
  });

  for (const file of FILES) {
    const fixture = fixtureSchema.parse(JSON.parse(readFileSync(join(FIXTURES, file), 'utf8')));
    describe(fixture.name, () => {
      it('every documented server event fits the shared protocol schema', () => {
        for (const step of fixture.steps) {
          if (!('server' in step)) continue;
          const type = String(step.server['type']);
          expect(isServerEventType(type), type).toBe(true);
          expect(serverEventSchema.safeParse(step.server).error?.issues, type).toBeUndefined();
        }
      });

      it('the adapter sends what the documentation expects and reports the transcript events in order', () => {
        const { sent, events } = replay(fixture);
        expect(sent).toHaveLength(fixture.expect.sent.length);
        sent.forEach((message, i) => expect(message).toMatchObject(fixture.expect.sent[i]!));
        expect(events).toEqual(fixture.expect.events);
      });

      const close = fixture.expect.close;
      if (close)
        it(`judges the close that follows (${close.code})`, () => {
          const { stream } = replay(fixture);
          expect(stream.classifyClose(close.code, close.reason)).toMatchObject(close.verdict);
        });
    });
  }
});
