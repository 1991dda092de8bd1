import { request } from 'node:http';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { EngineTestClient, completedItems } from '../fixtures/engine/client.ts';
import { buildSessionAudio, frames, loadHeldout } from '../fixtures/engine/heldout.ts';
import { decodeDirect } from '../fixtures/engine/run-session.ts';
import { BIN_EARSHOT, OFFLINE_TEST_MODEL, requireSharedModels } from '../helpers/paths.ts';

/**
 * 10,000 random and mutated client messages against a live `earshot serve` process while a
 * well-behaved client streams five utterances: the process never exits, and the good
 * client's transcripts equal the recognizer's own (no cross-talk, nothing lost).
 */
const TOTAL_MESSAGES = 10_000;
const FUZZ_CONNECTIONS = 4;

/** Deterministic PRNG (mulberry32) so a failure can be replayed. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TYPES = [
  'session.update',
  'transcription_session.update',
  'input_audio_buffer.append',
  'input_audio_buffer.commit',
  'input_audio_buffer.clear',
  'response.create',
  'conversation.item.create',
  '',
  'session.updated',
];

function makeFuzzer(seed: number): () => string | Buffer {
  const r = rng(seed);
  const int = (n: number): number => Math.floor(r() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const randomValue = (depth = 0): unknown => {
    switch (int(depth > 2 ? 6 : 8)) {
      case 0:
        return null;
      case 1:
        return r() < 0.5;
      case 2:
        return pick([0, -1, 1e308, -1e308, 16000, 24000, 0.5, NaN, 2 ** 53]);
      case 3:
        return 'x'.repeat(int(40));
      case 4:
        return pick(['', 'audio/pcm', 'server_vad', 'semantic_vad', 'transcription', '\u0000', '💥', '"}', 'AAAA']);
      case 5:
        return int(1e6) - 5e5;
      case 6:
        return Array.from({ length: int(4) }, () => randomValue(depth + 1));
      default:
        return Object.fromEntries(
          Array.from({ length: int(4) }, () => [
            pick(['type', 'audio', 'session', 'rate', 'format', 'event_id', 'x']),
            randomValue(depth + 1),
          ]),
        );
    }
  };
  const audio = (): string => {
    const bytes = Buffer.alloc(int(2000) * 2);
    for (let i = 0; i < bytes.length; i++) bytes[i] = int(256);
    return bytes.toString('base64');
  };
  const valid = (): Record<string, unknown> => {
    switch (int(5)) {
      case 0:
        return { type: 'input_audio_buffer.append', audio: audio() };
      case 1:
        return {
          type: 'session.update',
          session: {
            type: 'transcription',
            audio: {
              input: {
                format: { type: 'audio/pcm', rate: pick([16000, 24000]) },
                turn_detection: pick([null, { type: 'server_vad', silence_duration_ms: 200 + int(800) }]),
              },
            },
          },
        };
      case 2:
        return { type: 'input_audio_buffer.commit' };
      case 3:
        return { type: 'input_audio_buffer.clear' };
      default:
        return { type: 'transcription_session.update', session: { input_audio_format: 'pcm16', turn_detection: null } };
    }
  };
  const mutate = (event: Record<string, unknown>): Record<string, unknown> => {
    const out: Record<string, unknown> = JSON.parse(JSON.stringify(event)) as Record<string, unknown>;
    const keys = Object.keys(out);
    switch (int(5)) {
      case 0:
        out['type'] = pick(TYPES);
        break;
      case 1:
        delete out[pick(keys)];
        break;
      case 2:
        out[pick([...keys, 'extra'])] = randomValue();
        break;
      case 3:
        if (typeof out['audio'] === 'string')
          out['audio'] = out['audio'].slice(0, int(out['audio'].length)) + pick(['=', '!', '==', 'A', '']);
        else out['session'] = randomValue();
        break;
      default:
        out['audio'] = pick(['', '====', 'AQ==', 'AQID', '@@@@', audio()]);
    }
    return out;
  };
  return () => {
    const kind = int(100);
    if (kind < 30) return JSON.stringify(valid());
    if (kind < 70) return JSON.stringify(mutate(valid()));
    if (kind < 85) return JSON.stringify(randomValue());
    if (kind < 92) {
      const text = JSON.stringify(valid());
      return text.slice(0, int(text.length)); // broken JSON
    }
    if (kind === 99 && r() < 0.1) return 'x'.repeat(1_100_000); // over maxPayload: that connection closes with 1009
    if (kind < 97) return Buffer.from(Array.from({ length: int(200) }, () => int(256))); // binary frame
    return Buffer.from(Array.from({ length: int(200) }, () => int(256))).toString('latin1'); // odd text
  };
}

function health(url: string): Promise<number> {
  const httpUrl = url.replace('ws://', 'http://').replace('/v1/realtime', '/health');
  return new Promise((resolve, reject) => {
    request(httpUrl, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    })
      .on('error', reject)
      .end();
  });
}

describe('engine fuzzing', () => {
  it(`survives ${TOTAL_MESSAGES} random and mutated messages while a well-behaved client gets its transcripts`, async () => {
    requireSharedModels();
    const child = spawn(process.execPath, [BIN_EARSHOT, 'serve', '--model-dir', OFFLINE_TEST_MODEL, '--workers', '2'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let exited: number | null | undefined;
    child.once('exit', (code) => (exited = code));
    child.stderr.resume();
    const line = await new Promise<{ url: string; token: string }>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error('earshot serve did not print its listening line within 20 s')),
        20_000,
      );
      createInterface({ input: child.stdout }).once('line', (l) => {
        clearTimeout(timer);
        resolve(JSON.parse(l) as { url: string; token: string });
      });
    });
    try {
      const utterances = (await loadHeldout(16_000)).slice(10, 15);
      const audio = buildSessionAudio(utterances, 16_000);
      const expected = decodeDirect(OFFLINE_TEST_MODEL, audio).flatMap((e) =>
        e.type === 'completed' ? [e.transcript] : [],
      );

      const good = await EngineTestClient.connect(line.url, line.token);
      good.configure(16_000);
      const goodRun = (async () => {
        await good.stream(frames(audio.pcm, 16_000), true);
        await good.waitFor(
          `${expected.length} completed transcripts`,
          () => completedItems(good).length >= expected.length,
          // Generous: on a loaded 2-core machine the fuzz connections share the engine's CPU.
          60_000,
        );
      })();

      let sent = 0;
      let reconnects = 0;
      const closeCodes: number[] = [];
      const fuzzOne = async (seed: number, count: number): Promise<void> => {
        const next = makeFuzzer(seed);
        let ws: WebSocket | null = null;
        for (let i = 0; i < count; i++) {
          if (!ws || ws.readyState !== WebSocket.OPEN) {
            ws?.terminate();
            ws = await new Promise<WebSocket>((resolve, reject) => {
              const s = new WebSocket(line.url, { headers: { Authorization: `Bearer ${line.token}` } });
              s.once('open', () => resolve(s));
              s.once('error', reject);
            });
            ws.on('close', (code) => closeCodes.push(code));
            ws.on('error', () => {
              // The fuzzer provokes closes (1009, 1013); it reconnects above.
            });
            reconnects++;
          }
          const message = next();
          await new Promise<void>((resolve) =>
            ws!.send(message, { binary: Buffer.isBuffer(message) }, () => resolve()),
          );
          sent++;
        }
        if (ws && ws.readyState !== WebSocket.CLOSED) {
          const closed = new Promise((r) => ws.once('close', r));
          ws.close();
          await closed;
        }
      };
      const per = TOTAL_MESSAGES / FUZZ_CONNECTIONS;
      await Promise.all(Array.from({ length: FUZZ_CONNECTIONS }, (_, i) => fuzzOne(1000 + i, per)));
      await goodRun;

      expect(sent).toBe(TOTAL_MESSAGES);
      // Oversized frames closed their connections with 1009 (and only those: the good client had no error).
      expect(closeCodes).toContain(1009);
      expect(exited).toBeUndefined();
      expect(await health(line.url)).toBe(200);
      expect(completedItems(good).map((c) => c.transcript)).toEqual(expected);
      expect(good.ofType('error')).toEqual([]);
      console.log(
        `[engine-fuzz] ${sent} messages over ${reconnects} fuzz connections (close codes ${closeCodes.join(',')}); well-behaved client got ${expected.length}/${expected.length} transcripts`,
      );
      await good.close();
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => (exited !== undefined ? r(null) : child.once('exit', r)));
    }
  }, 120_000);
});
