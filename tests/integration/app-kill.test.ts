import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAppCore } from '../../src/core/app/app-core.ts';
import type { AppCore } from '../../src/core/app/types.ts';
import { dispatchInvoke } from '../../src/core/ipc/handlers.ts';
import type { SessionDetail } from '../../src/shared/history.ts';
import type { SessionSnapshot } from '../../src/shared/session.ts';
import type { TranscriptEvent } from '../../src/shared/transcript.ts';
import { FakeCapture } from '../fakes/fake-launchers.ts';
import { REPO_ROOT } from '../helpers/paths.ts';
import { waitUntil, within } from '../helpers/wait.ts';

/**
 * kill -9 of the app itself mid-session (issue 14, item 4): a Node process running the real app
 * core (tests/fixtures/app-core/killable-app.ts) is killed with SIGKILL after some finals; the
 * next start seals its journal as recovered, and History holds every final it had shown.
 * (`earshot transcribe` killed the same way: tests/integration/transcribe-cli.test.ts.)
 */
const APP = join(REPO_ROOT, 'tests', 'fixtures', 'app-core', 'killable-app.ts');

let dir: string;
let child: ChildProcess | null = null;
let core: AppCore | null = null;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'earshot-app-kill-'));
});
afterEach(async () => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await core?.dispose({ deadline: Date.now() + 2_000 });
  child = null;
  core = null;
  rmSync(dir, { recursive: true, force: true });
});

interface Line {
  readonly event: 'transcript' | 'status';
  readonly payload: unknown;
}

describe('the app killed with SIGKILL mid-session', () => {
  it('loses no final it had shown: the next start recovers the session into History', async () => {
    const app = spawn(process.execPath, [APP, dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    child = app;
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      app.once('exit', (_code, signal) => resolve(signal)),
    );
    let stderr = '';
    app.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    const lines: Line[] = [];
    const changes = new Set<() => void>();
    createInterface({ input: app.stdout }).on('line', (text) => {
      lines.push(JSON.parse(text) as Line);
      for (const notify of [...changes]) notify();
    });
    const finals = (): TranscriptEvent[] =>
      lines.flatMap((l) =>
        l.event === 'transcript' && (l.payload as TranscriptEvent).isFinal ? [l.payload as TranscriptEvent] : [],
      );

    // Killed while the third utterance is being spoken: two finals shown, a partial on screen.
    await waitUntil(
      () =>
        finals().length === 2 &&
        lines.some((l) => l.event === 'transcript' && (l.payload as TranscriptEvent).text.startsWith('w7')),
      {
        what: `two finals and the third utterance's partial (stderr: ${stderr.slice(-500)})`,
        timeoutMs: 30_000,
        changes: (notify) => {
          changes.add(notify);
          return () => changes.delete(notify);
        },
      },
    );
    app.kill('SIGKILL');
    expect(await within(exited, { what: 'the killed app to exit', timeoutMs: 5_000 })).toBe('SIGKILL');
    const shown = finals().map((f) => f.text);
    expect(shown).toEqual(['w1 w2 w3', 'w4 w5 w6']);
    const sessionId = lines.flatMap((l) =>
      l.event === 'status' && (l.payload as SessionSnapshot).sessionId
        ? [(l.payload as SessionSnapshot).sessionId]
        : [],
    )[0]!;

    core = await createAppCore({
      userDataDir: dir,
      spawn: () => {
        throw new Error('this test starts no child process');
      },
      entries: { capture: 'capture-entry.js', engine: 'engine-entry.js' },
      secrets: {
        set: () => Promise.resolve(),
        get: () => Promise.resolve(null),
        delete: () => Promise.resolve(),
        has: () => Promise.resolve(false),
      },
      appVersion: 'test',
      transport: 'web',
      launch: { capture: () => new FakeCapture([]) },
    });
    const listed = await dispatchInvoke(core.handlers, 'history.list', undefined);
    if (!listed.ok) throw new Error(`history.list: ${listed.error.code}`);
    expect(listed.value).toEqual([
      expect.objectContaining({ id: sessionId, recovered: true, segmentCount: shown.length }),
    ]);
    const opened = await dispatchInvoke(core.handlers, 'history.open', { id: sessionId });
    if (!opened.ok) throw new Error(`history.open: ${opened.error.code}`);
    expect((opened.value as SessionDetail).segments.map((s) => s.text)).toEqual(shown);
  });
});
