import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAppCore } from '../../src/core/app/app-core.ts';
import type { AppCore, LaunchEngine, SecretStore } from '../../src/core/app/types.ts';
import { dispatchInvoke } from '../../src/core/ipc/handlers.ts';
import { HistoryStore } from '../../src/core/transcript/history-store.ts';
import { readJournal } from '../../src/core/transcript/journal-reader.ts';
import { parseJournalLine, type JournalRecord } from '../../src/shared/journal-record.ts';
import type { SessionSnapshot } from '../../src/shared/session.ts';
import type { TranscriptEvent } from '../../src/shared/transcript.ts';
import { device, FakeCapture, FakeEngine } from '../fakes/fake-launchers.ts';
import { FakeOpenAi } from '../fakes/fake-openai.ts';
import { synthesizeSpeech } from '../fakes/word-audio.ts';
import { CoreEventLog } from '../helpers/core-events.ts';
import { within } from '../helpers/wait.ts';

/**
 * Quitting while the service is slow to answer the end of the stream (issue 14, item 4): the
 * real app core, session, journal and History, a fake capture host and a real WebSocket fake
 * of the engine on port 0 whose answer to the final commit waits for the test (`slowEnd`). The
 * quit budget is small here, so the deadline is reached in about a second.
 */
const MIC = device('Mic A', { isDefault: true });
/** A late answer may come this long after the quit deadline, for the event loop and the disk. */
const MARGIN_MS = 500;

let dir: string;
let capture: FakeCapture;
let core: AppCore;
let log: CoreEventLog;
const servers: FakeOpenAi[] = [];
/** Opens the fake's gate: the slow commit is answered now. */
let answerCommit: () => void = () => {};

function memorySecrets(): SecretStore {
  const keys = new Map<string, string>();
  return {
    set: (name, value) => Promise.resolve(void keys.set(name, value)),
    get: (name) => Promise.resolve(keys.get(name) ?? null),
    delete: (name) => Promise.resolve(void keys.delete(name)),
    has: (name) => Promise.resolve(keys.has(name)),
  };
}

/** The embedded engine as a FakeOpenAi whose answers to commits wait for `answerCommit()`. */
const launchSlowEngine: LaunchEngine = async (options) => {
  const gate = new Promise<void>((resolve) => (answerCommit = resolve));
  const token = 'engine-token';
  const server = await new FakeOpenAi({ apiKey: token, allowRate16k: true, faults: { slowEnd: () => gate } }).start();
  servers.push(server);
  return new FakeEngine(options, token, server);
};

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'earshot-quit-'));
  capture = new FakeCapture([MIC]);
  // The second utterance ends 100 ms before the audio does: shown as a partial, never ended by
  // the service's VAD (500 ms of silence), so only the stop's commit can make it final.
  capture.speech = synthesizeSpeech(
    16_000,
    [
      [1, 2, 3],
      [4, 5, 6],
    ],
    { tailMs: 100 },
  );
  log = new CoreEventLog();
  core = await createAppCore({
    userDataDir: dir,
    spawn: () => {
      throw new Error('these tests start no child process');
    },
    entries: { capture: 'capture-entry.js', engine: 'engine-entry.js' },
    secrets: memorySecrets(),
    modelDir: join(dir, 'test-model'),
    appVersion: 'test',
    transport: 'web',
    launch: { capture: () => capture, engine: launchSlowEngine },
  });
  core.subscribe((event, payload) => log.push(event, payload));
});

afterEach(async () => {
  answerCommit();
  await core.dispose({ deadline: Date.now() + 2_000 });
  await Promise.all(servers.splice(0).map((s) => s.close()));
  rmSync(dir, { recursive: true, force: true });
});

/** Starts a session and waits until the second utterance is on screen as a partial. */
async function streamUntilPartial(): Promise<string> {
  const started = await dispatchInvoke(core.handlers, 'session.start', { deviceKey: MIC.key, provider: 'local' });
  if (!started.ok) throw new Error(`session.start: ${started.error.code}: ${started.error.message}`);
  await within(capture.played, { what: 'the fake microphone to deliver all its speech', timeoutMs: 15_000 });
  await log.waitFor('the partial "w4 w5 w6"', () => transcript().some((e) => !e.isFinal && e.text === 'w4 w5 w6'));
  expect(
    transcript()
      .filter((e) => e.isFinal)
      .map((e) => e.text),
  ).toEqual(['w1 w2 w3']);
  return (started.value as SessionSnapshot).sessionId!;
}

function transcript(): TranscriptEvent[] {
  return log.of<TranscriptEvent>('transcript');
}

function journalRecords(sessionId: string): JournalRecord[] {
  return readFileSync(join(dir, 'journals', `${sessionId}.jsonl`), 'utf8')
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => parseJournalLine(line)!);
}

/** The journal's finals: their text, and whether they were promoted from a partial. */
function journalFinals(sessionId: string): [string, boolean][] {
  return journalRecords(sessionId).flatMap((r): [string, boolean][] =>
    r.type === 'final' ? [[r.segment.text, r.promoted ?? false]] : [],
  );
}

function historyIds(): string[] {
  const history = HistoryStore.open(join(dir, 'history.sqlite'));
  try {
    return history.list().map((s) => s.id);
  } finally {
    history.close();
  }
}

describe('quitting during a session', () => {
  it('with a drain slower than the budget: done in time, the partial journaled as promoted, the journal sealed, History told', async () => {
    const sessionId = await streamUntilPartial();
    const budgetMs = 1_000;
    const quitAt = Date.now();
    await within(core.dispose({ deadline: quitAt + budgetMs }), { what: 'the quit', timeoutMs: 5_000 });
    const tookMs = Date.now() - quitAt;
    expect(tookMs).toBeLessThan(budgetMs + MARGIN_MS);
    // It did wait for the service while the budget allowed (all but the quarter kept for saving).
    expect(tookMs).toBeGreaterThanOrEqual(budgetMs * 0.7);

    expect(journalFinals(sessionId)).toEqual([
      ['w1 w2 w3', false],
      ['w4 w5 w6', true],
    ]);
    expect(journalRecords(sessionId).at(-1)?.type).toBe('end');
    const sealed = readJournal(join(dir, 'journals', `${sessionId}.jsonl`))!;
    expect(sealed.endedAt).not.toBeNull();
    expect(sealed.recovered).toBe(false);
    expect(historyIds()).toEqual([sessionId]);

    // The person saw the same: the partial became a final, and why.
    expect(
      transcript()
        .filter((e) => e.isFinal)
        .map((e) => e.text),
    ).toEqual(['w1 w2 w3', 'w4 w5 w6']);
    const last = log.of<SessionSnapshot>('status').at(-1)!;
    expect(last.state).toBe('idle');
    expect(last.warnings.map((w) => w.code)).toContain('QUIT_DRAIN_CUT');
  });

  it('with a drain that ends within the budget: the normal path, nothing promoted', async () => {
    const sessionId = await streamUntilPartial();
    // The service answers the final commit once it has been asked, a little late.
    servers[0]!.on('text', (_conn, text) => {
      if (text.includes('input_audio_buffer.commit')) setTimeout(answerCommit, 100);
    });
    const budgetMs = 5_000;
    const quitAt = Date.now();
    await within(core.dispose({ deadline: quitAt + budgetMs }), { what: 'the quit', timeoutMs: 10_000 });
    expect(Date.now() - quitAt).toBeLessThan(budgetMs / 2);

    expect(journalFinals(sessionId)).toEqual([
      ['w1 w2 w3', false],
      ['w4 w5 w6', false],
    ]);
    expect(readJournal(join(dir, 'journals', `${sessionId}.jsonl`))!.endedAt).not.toBeNull();
    expect(historyIds()).toEqual([sessionId]);
    const warnings = log.of<SessionSnapshot>('status').flatMap((s) => s.warnings.map((w) => w.code));
    expect(warnings).not.toContain('QUIT_DRAIN_CUT');
    expect(warnings).not.toContain('DRAIN_TIMEOUT');
  });

  it('after Stop was pressed and is still draining: the quit cuts that drain short at its deadline', async () => {
    const sessionId = await streamUntilPartial();
    const stopping = dispatchInvoke(core.handlers, 'session.stop', undefined);
    await log.waitFor('the session to be stopping', () =>
      log.of<SessionSnapshot>('status').some((s) => s.state === 'stopping'),
    );
    const budgetMs = 1_000;
    const quitAt = Date.now();
    await within(core.dispose({ deadline: quitAt + budgetMs }), { what: 'the quit', timeoutMs: 5_000 });
    expect(Date.now() - quitAt).toBeLessThan(budgetMs + MARGIN_MS);
    expect((await stopping).ok).toBe(true);

    expect(journalFinals(sessionId)).toEqual([
      ['w1 w2 w3', false],
      ['w4 w5 w6', true],
    ]);
    expect(journalRecords(sessionId).at(-1)?.type).toBe('end');
    expect(historyIds()).toEqual([sessionId]);
  });
});
