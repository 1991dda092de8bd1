import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startEngine, type RunningEngine } from '../../src/engine/engine.ts';
import { EngineTestClient, completedItems } from '../fixtures/engine/client.ts';
import { buildSessionAudio, frames, loadHeldout } from '../fixtures/engine/heldout.ts';
import { decodeDirect } from '../fixtures/engine/run-session.ts';
import { OFFLINE_TEST_MODEL, STREAMING_TEST_MODEL, VAD_MODEL, requireSharedModels } from '../helpers/paths.ts';

/** Protocol conformance against a live engine (docs/engine-protocol.md). */
describe('engine protocol', () => {
  let engine: RunningEngine;
  beforeAll(async () => {
    requireSharedModels();
    engine = await startEngine({
      modelDir: OFFLINE_TEST_MODEL,
      vadModelPath: VAD_MODEL,
      workers: 2,
      maxPayload: 256 * 1024,
    });
  });
  afterAll(async () => {
    await engine?.close();
  });

  const connect = (): Promise<EngineTestClient> => EngineTestClient.connect(engine.url, engine.token);
  /** One held-out file with silence around it, and what the recognizer itself makes of it (no server). */
  const utterance = async (index: number): Promise<{ pcm: Int16Array; reference: string; expected: string }> => {
    const u = (await loadHeldout(16_000))[index]!;
    const audio = buildSessionAudio([u], 16_000);
    const direct = decodeDirect(OFFLINE_TEST_MODEL, audio).flatMap((e) =>
      e.type === 'completed' ? [e.transcript] : [],
    );
    return { pcm: audio.pcm, reference: u.reference, expected: direct.join(' ') };
  };
  const transcribe = async (client: EngineTestClient, pcm: Int16Array): Promise<string> => {
    const before = completedItems(client).length;
    await client.stream(frames(pcm, 16_000), false);
    await client.waitFor('a completed transcript', () => completedItems(client).length > before);
    return completedItems(client).at(-1)!.transcript;
  };

  it('sends session.created with the effective configuration on connect', async () => {
    const client = await connect();
    await client.waitFor('session.created', (es) => es.length > 0);
    const created = client.events[0]!;
    expect(created.type).toBe('session.created');
    expect(created['event_id']).toMatch(/^event_/);
    expect(created['session']).toMatchObject({
      type: 'transcription',
      audio: {
        input: {
          format: { type: 'audio/pcm', rate: 24000 },
          turn_detection: { type: 'server_vad', threshold: 0.5, prefix_padding_ms: 300, silence_duration_ms: 500 },
        },
      },
    });
    await client.close();
  });

  it('session.update → session.updated; an invalid value gets an error and changes nothing', async () => {
    const client = await connect();
    client.configure(16_000, { type: 'server_vad', silence_duration_ms: 700 });
    await client.waitFor('session.updated', (es) => es.some((e) => e.type === 'session.updated'));
    expect(client.ofType('session.updated')[0]!['session']).toMatchObject({
      audio: { input: { format: { rate: 16000 }, turn_detection: { silence_duration_ms: 700 } } },
    });
    client.send({
      type: 'session.update',
      event_id: 'evt_bad_rate',
      session: { audio: { input: { format: { type: 'audio/pcm', rate: 44100 } } } },
    });
    await client.waitFor('error for rate 44100', (es) => es.some((e) => e.type === 'error'));
    const error = client.ofType('error')[0]!['error'] as Record<string, unknown>;
    expect(error).toMatchObject({
      type: 'invalid_request_error',
      code: 'invalid_value',
      param: 'session.audio.input.format.rate',
      event_id: 'evt_bad_rate',
    });
    expect(error['message']).toContain('44100');
    // Nothing changed: the next update reports 16 kHz and the 700 ms silence still.
    client.send({
      type: 'session.update',
      session: { audio: { input: { noise_reduction: { type: 'near_field' } } }, unknown_field: 1 },
    });
    await client.waitFor('second session.updated', (es) => es.filter((e) => e.type === 'session.updated').length === 2);
    expect(client.ofType('session.updated')[1]!['session']).toMatchObject({
      audio: {
        input: {
          format: { rate: 16000 },
          turn_detection: { silence_duration_ms: 700 },
          noise_reduction: { type: 'near_field' },
        },
      },
    });
    // The beta flat shape is accepted too.
    client.send({
      type: 'transcription_session.update',
      session: { input_audio_format: 'pcm16', turn_detection: null },
    });
    await client.waitFor('transcription_session.updated', (es) =>
      es.some((e) => e.type === 'transcription_session.updated'),
    );
    expect(client.ofType('transcription_session.updated')[0]!['session']).toMatchObject({
      audio: { input: { format: { rate: 24000 }, turn_detection: null } },
    });
    await client.close();
  });

  it('server VAD: speech_started, deltas, speech_stopped, committed, completed with timing, in that order', async () => {
    const client = await connect();
    client.configure(16_000);
    const { pcm, reference, expected } = await utterance(0);
    const text = await transcribe(client, pcm);
    expect(text).toBe(expected);
    expect(characterErrorRate(reference, text)).toBeLessThan(0.3);
    const types = client.events.map((e) => e.type).filter((t) => t !== 'session.updated' && t !== 'session.created');
    expect(types[0]).toBe('input_audio_buffer.speech_started');
    expect(types.indexOf('conversation.item.input_audio_transcription.delta')).toBeLessThan(
      types.indexOf('input_audio_buffer.speech_stopped'),
    );
    expect(types.slice(-2)).toEqual([
      'input_audio_buffer.committed',
      'conversation.item.input_audio_transcription.completed',
    ]);
    const itemId = client.ofType('input_audio_buffer.speech_started')[0]!['item_id'];
    for (const e of client.events.filter((x) => 'item_id' in x)) expect(e['item_id']).toBe(itemId);
    expect(client.ofType('input_audio_buffer.committed')[0]!['previous_item_id']).toBeNull();
    const started = client.ofType('input_audio_buffer.speech_started')[0]!;
    const stopped = client.ofType('input_audio_buffer.speech_stopped')[0]!;
    expect(started['audio_start_ms']).toBeGreaterThanOrEqual(0);
    expect(stopped['audio_end_ms']).toBeGreaterThan(started['audio_start_ms'] as number);
    const completed = client.ofType('conversation.item.input_audio_transcription.completed')[0]!;
    expect(completed).toMatchObject({ content_index: 0, usage: { type: 'duration' } });
    expect((completed['usage'] as { seconds: number }).seconds).toBeGreaterThan(1);
    const words = completed['words'] as { text: string; start_ms: number; end_ms: number }[];
    expect(words.map((w) => w.text).join(' ')).toBe(text);
    for (const w of words) expect(w.end_ms).toBeGreaterThan(w.start_ms);
    expect(completed['start_ms']).toBe(words[0]!.start_ms);
    const deltas = client.ofType('conversation.item.input_audio_transcription.delta').map((d) => d['delta'] as string);
    expect(deltas.join('')).toBe(text);
    await client.close();
  });

  it('manual commits (turn_detection null): committed chains previous_item_id; empty commit and clear', async () => {
    const client = await connect();
    client.configure(16_000, null);
    client.send({ type: 'input_audio_buffer.commit', event_id: 'evt_empty' });
    await client.waitFor('commit_empty error', (es) => es.some((e) => e.type === 'error'));
    expect(client.ofType('error')[0]!['error']).toMatchObject({
      code: 'input_audio_buffer_commit_empty',
      event_id: 'evt_empty',
    });
    for (const index of [1, 2]) {
      const { pcm } = await utterance(index);
      await client.stream(frames(pcm, 16_000), false);
      client.send({ type: 'input_audio_buffer.commit' });
      await client.waitFor(`completed ${index}`, () => completedItems(client).length === index);
    }
    const committed = client.ofType('input_audio_buffer.committed');
    expect(committed[1]!['previous_item_id']).toBe(committed[0]!['item_id']);
    const references = [(await utterance(1)).reference, (await utterance(2)).reference];
    completedItems(client).forEach((c, i) =>
      expect(characterErrorRate(references[i]!, c.transcript)).toBeLessThan(0.3),
    );
    expect(client.ofType('input_audio_buffer.speech_started')).toHaveLength(0);
    const { pcm } = await utterance(3);
    await client.stream(frames(pcm, 16_000), false);
    client.send({ type: 'input_audio_buffer.clear' });
    await client.waitFor('input_audio_buffer.cleared', (es) => es.some((e) => e.type === 'input_audio_buffer.cleared'));
    client.send({ type: 'input_audio_buffer.commit', event_id: 'evt_after_clear' });
    await client.waitFor('commit_empty after clear', (es) => es.filter((e) => e.type === 'error').length === 2);
    expect(client.ofType('error')[1]!['error']).toMatchObject({
      code: 'input_audio_buffer_commit_empty',
      event_id: 'evt_after_clear',
    });
    await client.close();
  });

  it('an unknown event, bad JSON, malformed base64 and odd byte counts get errors and the session goes on', async () => {
    const client = await connect();
    client.configure(16_000);
    client.send({ type: 'response.create', event_id: 'evt_unknown' });
    client.ws.send('{not json');
    client.send({ type: 'input_audio_buffer.append', audio: '@@@not base64@@@', event_id: 'evt_b64' });
    client.send({
      type: 'input_audio_buffer.append',
      audio: Buffer.from([1, 2, 3]).toString('base64'),
      event_id: 'evt_odd',
    });
    client.send({ noType: true });
    await client.waitFor('five errors', (es) => es.filter((e) => e.type === 'error').length === 5);
    const errors = client.ofType('error').map((e) => e['error'] as Record<string, unknown>);
    expect(errors.map((e) => e['code'])).toEqual([
      'unknown_event',
      'invalid_json',
      'invalid_value',
      'invalid_value',
      'unknown_event',
    ]);
    expect(errors[0]).toMatchObject({ type: 'invalid_request_error', param: 'type', event_id: 'evt_unknown' });
    expect(errors[2]).toMatchObject({ event_id: 'evt_b64' });
    expect(errors[2]!['message']).toContain('base64');
    expect(errors[3]).toMatchObject({ event_id: 'evt_odd' });
    expect(errors[3]!['message']).toContain('even');
    for (const e of errors) expect(Object.keys(e).sort()).toEqual(['code', 'event_id', 'message', 'param', 'type']);
    const { pcm, expected } = await utterance(0);
    expect(await transcribe(client, pcm)).toBe(expected);
    await client.close();
  });

  it('an oversized frame closes only that connection, with 1009', async () => {
    const victim = await connect();
    const bystander = await connect();
    bystander.configure(16_000);
    victim.ws.send('x'.repeat(300 * 1024));
    expect(await victim.waitForClose()).toBe(1009);
    const { pcm, expected } = await utterance(0);
    expect(await transcribe(bystander, pcm)).toBe(expected);
    await bystander.close();
  });

  it('two clients at once each get their own transcript', async () => {
    const [a, b] = await Promise.all([connect(), connect()]);
    a.configure(16_000);
    b.configure(16_000);
    const [ua, ub] = await Promise.all([utterance(0), utterance(1)]);
    const [ta, tb] = await Promise.all([transcribe(a, ua.pcm), transcribe(b, ub.pcm)]);
    expect(ta).toBe(ua.expected);
    expect(tb).toBe(ub.expected);
    expect(ta).not.toBe(tb);
    await Promise.all([a.close(), b.close()]);
  });

  it('a wrong or missing token gets HTTP 401 before the upgrade; the browser subprotocol pair works', async () => {
    await expect(EngineTestClient.connect(engine.url, 'wrong-token')).rejects.toThrow('HTTP 401');
    const status = await new Promise<number>((resolve, reject) => {
      const ws = new WebSocket(engine.url);
      ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.once('open', () => reject(new Error('connected without a token')));
      ws.once('error', () => {
        // 'unexpected-response' already resolved
      });
    });
    expect(status).toBe(401);
    await expect(
      EngineTestClient.connect(engine.url, '', { protocols: ['realtime', 'openai-insecure-api-key.nope'] }),
    ).rejects.toThrow('HTTP 401');
    const browser = await EngineTestClient.connect(engine.url, '', {
      protocols: ['realtime', `openai-insecure-api-key.${engine.token}`],
    });
    expect(browser.ws.protocol).toBe('realtime');
    await browser.waitFor('session.created', (es) => es.some((e) => e.type === 'session.created'));
    await browser.close();
    const wrongPath = await httpStatus(engine.url.replace('ws://', 'http://').replace('/v1/realtime', '/other'));
    expect(wrongPath).toBe(404);
  });

  it('an idle connection is closed', async () => {
    const idleEngine = await startEngine({ modelDir: STREAMING_TEST_MODEL, workers: 1, idleTimeoutMs: 300 });
    try {
      const client = await EngineTestClient.connect(idleEngine.url, idleEngine.token);
      expect(await client.waitForClose(5000)).toBe(1001);
    } finally {
      await idleEngine.close();
    }
  });

  it('a client far ahead of the decoder gets backlog_exceeded and 1013', async () => {
    const small = await startEngine({
      modelDir: OFFLINE_TEST_MODEL,
      vadModelPath: VAD_MODEL,
      workers: 1,
      maxBacklogS: 1,
    });
    try {
      const client = await EngineTestClient.connect(small.url, small.token);
      client.configure(16_000);
      const big = frames(
        new Int16Array(16_000 * 30).map((_, i) => Math.round(3000 * Math.sin(i / 7))),
        16_000,
      );
      for (const f of big) client.append(f);
      expect(await client.waitForClose(15_000)).toBe(1013);
      expect(client.ofType('error').map((e) => (e['error'] as { code: string }).code)).toContain('backlog_exceeded');
    } finally {
      await small.close();
    }
  });
});

function characterErrorRate(reference: string, hypothesis: string): number {
  const r = [...reference];
  const h = [...hypothesis];
  let prev = Array.from({ length: h.length + 1 }, (_, j) => j);
  for (let i = 1; i <= r.length; i++) {
    const cur = [i];
    for (let j = 1; j <= h.length; j++)
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (r[i - 1] === h[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[h.length]! / r.length;
}

function httpStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    request(url, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    })
      .on('error', reject)
      .end();
  });
}
