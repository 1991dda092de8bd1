import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Session } from '../../src/core/session/session.ts';
import { readJournal } from '../../src/core/transcript/journal-reader.ts';
import type { TranscriptEvent } from '../../src/shared/transcript.ts';
import type { FakeConnection } from '../fakes/fake-base.ts';
import { FakeAssemblyAi } from '../fakes/fake-assemblyai.ts';
import { ManualSource } from '../fakes/manual-source.ts';
import { finalWords, KEY, within } from '../fakes/session-harness.ts';
import { samplesPerFrame } from '../../src/shared/audio-frame.ts';
import { synthesizeSpeech } from '../fakes/word-audio.ts';

/**
 * Rotation switches audio to the successor and asks the old connection to finish its last
 * turn. Here the old connection dies instead (the network drops as it receives `Terminate`),
 * with a whole utterance still unfinished: only partials were shown for it. The session must
 * re-send exactly that audio on a repair connection: the utterance becomes final once, the
 * successor never sees it, and the accounted audio is the captured audio, sample for sample.
 *
 * The repair's final is made to arrive after the successor's on purpose (the fake answers the
 * repair's end of stream only once the successor's socket is closed, i.e. after the client
 * read its last final): the finals must still come out, be journaled and be stored in audio
 * order, not in the order the two connections answered.
 */
const RATE = 16_000;
const PAD = RATE / 20; // AssemblyAI pads a stream's last message to 50 ms with silence

const fakes: FakeAssemblyAi[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((f) => f.close()));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function expectAudio(actual: Int16Array, expected: Int16Array, what: string): void {
  expect(actual.length - expected.length, `${what}: padding`).toBeGreaterThanOrEqual(0);
  expect(actual.length - expected.length, `${what}: padding`).toBeLessThanOrEqual(PAD);
  const head = Buffer.from(actual.buffer, actual.byteOffset, expected.length * 2);
  expect(Buffer.compare(head, Buffer.from(expected.buffer, expected.byteOffset, expected.byteLength)), what).toBe(0);
  expect(
    actual.subarray(expected.length).every((s) => s === 0),
    `${what}: padding is silence`,
  ).toBe(true);
}

describe('rotation when the old connection dies before finishing its last turn', () => {
  it('re-sends the unfinished audio on a repair connection: no speech lost, no final twice', async () => {
    // Connection 2 is the successor; every later one (the repair) answers its end of stream only
    // after the successor's socket closed, so the repair's final reaches the client last.
    let successorClosed = (): void => {};
    const successorGone = new Promise<void>((resolve) => (successorClosed = resolve));
    const fake = await new FakeAssemblyAi({
      apiKey: KEY,
      faults: { dropOnEnd: [1], slowEnd: (conn) => (conn.index > 2 ? successorGone : null) },
    }).start();
    fakes.push(fake);
    fake.on('connection', (conn) => conn.index === 2 && conn.ws.once('close', () => successorClosed()));
    const dir = mkdtempSync(join(tmpdir(), 'earshot-repair-'));
    dirs.push(dir);
    const source = new ManualSource(RATE);
    const session = new Session({
      source,
      journalDir: dir,
      // Turns end only when the client ends the stream, so the first turn is open at the switch.
      provider: { id: 'assemblyai', url: `${fake.url}?max_turn_silence=60000`, apiKey: KEY },
      rotateAfterMs: 200,
      rotationGraceMs: 0,
      heartbeatIntervalMs: 1_000,
      backoff: { baseMs: 20, maxMs: 100 },
      drainTimeoutMs: 10_000,
    });
    const events: TranscriptEvent[] = [];
    const warnings: string[] = [];
    session.on('transcript', (e) => events.push(e));
    session.on('warning', (w) => warnings.push(`${w.code}: ${w.message}`));
    await within(session.start(), 5_000, 'the session to start streaming');

    const a = synthesizeSpeech(RATE, [[1, 2, 3, 4]], { leadMs: 400, tailMs: 200 });
    const shownA = new Promise<TranscriptEvent>((resolve) =>
      session.on('transcript', (e) => !e.isFinal && e.text === 'w1 w2 w3 w4' && resolve(e)),
    );
    source.push(a.samples);
    const partialA = await within(shownA, 5_000, 'the partial of the first utterance');

    // The microphone goes on in real time with silence until rotation switches and ends connection 1.
    const terminated = new Promise<void>((resolve) =>
      fake.on('text', (conn: FakeConnection, text) => conn.index === 1 && text.includes('Terminate') && resolve()),
    );
    const silence = new Int16Array(samplesPerFrame(RATE));
    const mic = setInterval(() => source.push(silence), 20);
    try {
      await within(terminated, 5_000, 'rotation to end connection 1');
    } finally {
      clearInterval(mic);
    }
    const b = synthesizeSpeech(RATE, [[5, 6, 7, 8]], { leadMs: 600, tailMs: 800 });
    source.push(b.samples);
    source.end();
    await within(session.stop(), 20_000, 'the drain');

    expect(session.snapshot.error).toBeNull();
    expect(warnings).toEqual([]);
    const finals = events.filter((e) => e.isFinal);
    // The repair really answered last: its final was released after the successor's end of stream.
    const repairIndex = fake.ledger.find((entry) => entry.connection > 2)?.connection;
    const successorEnd = fake.ledger.findIndex((entry) => entry.connection === 2 && entry.why === 'Termination');
    expect(successorEnd, 'the successor ended its stream').toBeGreaterThanOrEqual(0);
    expect(
      fake.ledger.findIndex((entry) => entry.connection === repairIndex),
      'the repair accounted for its audio after the successor',
    ).toBeGreaterThan(successorEnd);
    // Emitted, stored and journaled in audio order, each utterance once.
    const words = ['w1', 'w2', 'w3', 'w4', 'w5', 'w6', 'w7', 'w8'];
    expect(finalWords(finals)).toEqual(words);
    expect(new Set(finals.map((f) => f.segmentId)).size).toBe(finals.length);
    expect(session.segments.map((s) => s.segmentId)).toEqual(finals.map((f) => f.segmentId));
    const starts = finals.map((f) => f.startMs ?? NaN);
    expect(starts).toEqual([...starts].sort((x, y) => x - y));
    const journal = readJournal(session.journalPath ?? '');
    expect(journal?.segments.map((s) => s.segmentId)).toEqual(finals.map((f) => f.segmentId));
    expect(finalWords(journal?.segments ?? [])).toEqual(words);
    // The utterance the dead connection showed as a partial continued in place.
    expect(finals[0]!.segmentId).toBe(partialA.segmentId);

    // Connection 1 got everything up to the switch and accounted for none of it (it really was unfinished).
    const captured = source.captured();
    const until = fake.connections[0]!.audio.length;
    expect(until).toBeGreaterThanOrEqual(a.samples.length - Math.round(0.2 * RATE));
    expect(fake.accountedBy(1)).toHaveLength(0);
    // The repair connection re-sent exactly that range; the successor (connection 2) only what followed.
    const repair = fake.connections.find((c) => c.index > 2 && c.audio.length > 0 && c.audio.length <= until + PAD);
    expect(repair).toBeDefined();
    expectAudio(fake.accountedBy(repair!.index), captured.subarray(0, until), 'repair connection');
    expectAudio(fake.accountedBy(2), captured.subarray(until), 'successor');
  });
});
