import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createProvider } from './index.ts';
import type { ProviderAdapter, ProviderStream, WireMessage } from './types.ts';

/**
 * Contract tests: provider sessions recorded from each service's published documentation
 * (tests/fixtures/providers/<provider>/*.json, each naming its source) replayed through the
 * adapter's decode path, socket-free. They check the adapters against the services' own
 * examples, independently of the hand-written fakes the integration suites run against.
 *
 * A fixture is one connection, step by step:
 * - `open`: the events `onOpen()` reports;
 * - `receive`: a server message, the events `decode()` turns it into, in order, and (if given)
 *   whether the stream is inside a turn afterwards;
 * - `call`: `flush()`, `end()` or `keepAlive()`, and the JSON messages it sends;
 * - `close` / `handshake`: a close frame or refused upgrade, and the verdict (retry, code).
 */

const FIXTURES = join(import.meta.dirname, '../../../tests/fixtures/providers');

const json = z.record(z.string(), z.unknown());
const verdict = z.strictObject({ retry: z.boolean(), immediate: z.boolean().optional(), code: z.string() });
const step = z.union([
  z.strictObject({ open: z.strictObject({ events: z.array(json) }) }),
  z.strictObject({ receive: json, events: z.array(json), inTurn: z.boolean().optional() }),
  z.strictObject({ call: z.enum(['flush', 'end', 'keepAlive']), sends: z.array(json) }),
  z.strictObject({ close: z.strictObject({ code: z.number(), reason: z.string() }), verdict }),
  z.strictObject({ handshake: z.strictObject({ status: z.number().nullable(), detail: z.string() }), verdict }),
]);
const fixtureSchema = z.strictObject({
  /** Where the messages come from: page address or repository and path. */
  source: z.string().min(20),
  description: z.string(),
  /** What was adapted from the source, and why. */
  notes: z.string().optional(),
  steps: z.array(step).min(1),
});
type Step = z.infer<typeof step>;

function loadFixtures(provider: string): [string, z.infer<typeof fixtureSchema>][] {
  const dir = join(FIXTURES, provider);
  return readdirSync(dir)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => [file, fixtureSchema.parse(JSON.parse(readFileSync(join(dir, file), 'utf8')))]);
}

/** Times are computed from seconds in floating point: compare them to the microsecond. */
function rounded(value: unknown): unknown {
  if (typeof value === 'number') return Math.round(value * 1000) / 1000;
  if (Array.isArray(value)) return value.map(rounded);
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rounded(v)]));
  return value;
}

function textFrames(messages: readonly WireMessage[]): unknown[] {
  return messages.map((m): unknown => (typeof m === 'string' ? JSON.parse(m) : { binaryBytes: m.length }));
}

function replay(adapter: ProviderAdapter, stream: ProviderStream, s: Step, index: number): void {
  const where = `step ${index + 1}`;
  if ('open' in s) {
    expect(rounded(stream.onOpen().events), where).toEqual(rounded(s.open.events));
  } else if ('receive' in s) {
    const decoded = stream.decode(Buffer.from(JSON.stringify(s.receive)), false);
    expect(decoded.send, where).toEqual([]);
    expect(rounded(decoded.events), where).toEqual(rounded(s.events));
    if (s.inTurn !== undefined) expect(stream.inTurn(), `${where}: in a turn`).toBe(s.inTurn);
  } else if ('call' in s) {
    const sent = s.call === 'keepAlive' ? [stream.keepAlive()].filter((m) => m !== null) : stream[s.call]();
    expect(textFrames(sent), where).toEqual(s.sends);
  } else if ('close' in s) {
    expect(stream.classifyClose(s.close.code, s.close.reason), where).toMatchObject(s.verdict);
  } else {
    expect(adapter.classifyHandshake(s.handshake.status, s.handshake.detail), where).toMatchObject(s.verdict);
  }
}

for (const provider of ['deepgram', 'assemblyai'] as const) {
  describe(`recorded ${provider} sessions`, () => {
    const fixtures = loadFixtures(provider);

    it('has fixtures to replay', () => {
      expect(fixtures.length).toBeGreaterThan(0);
    });

    it.each(fixtures)('%s', (_file, fixture) => {
      const adapter = createProvider({ id: provider, apiKey: 'contract-test-key' });
      const stream = adapter.createStream();
      fixture.steps.forEach((s, index) => replay(adapter, stream, s, index));
    });
  });
}
