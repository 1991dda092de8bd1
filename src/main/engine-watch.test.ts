import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MockTray, resetElectronMock } from '../../tests/helpers/electron-mock.ts';
import { REPO_ROOT } from '../../tests/helpers/paths.ts';
import { scriptedLives, type Life } from '../../tests/fakes/scripted-engine-child.ts';
import type { EngineHandle } from '../core/app/types.ts';
import { createEngineWatch, engineDownNotice } from './engine-watch.ts';
import { setupTray } from './tray.ts';

vi.mock('electron', () => import('../../tests/helpers/electron-mock.ts'));

/**
 * The engine watch with the real launcher and fake engine children
 * (tests/fakes/scripted-engine-child.ts), wired to the tray as index.ts wires it.
 */
let engine: EngineHandle | null = null;

beforeEach(() => {
  resetElectronMock();
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
});

afterEach(async () => {
  const stopping = engine?.stop();
  engine = null;
  await vi.runAllTimersAsync();
  await stopping;
  vi.useRealTimers();
});

function trayWithWatch(): { watch: ReturnType<typeof createEngineWatch>; engineItem: () => string | null } {
  const watch = createEngineWatch();
  const tray = setupTray({
    resourcesDir: join(REPO_ROOT, 'resources'),
    onToggle: () => {},
    onShowWindow: () => {},
    onQuit: () => {},
  });
  watch.onNotice((notice) => tray.setEngineNotice(notice));
  const mock = MockTray.created[0]!;
  return { watch, engineItem: () => mock.contextMenu?.getMenuItemById('engine')?.label ?? null };
}

describe('the engine watch', () => {
  it('says in the tray that the engine is down through 8 crashes, and clears once it is back', async () => {
    const { watch, engineItem } = trayWithWatch();
    const lives: Life[] = ['up', ...Array<Life>(7).fill('crash'), 'up'];
    const { spawn, children } = scriptedLives(lives);
    engine = await watch.launch({ spawn, modulePath: '/e.js', modelDir: '/m', backoffBaseMs: 20, backoffMaxMs: 200 });
    expect(engineItem()).toBeNull();

    const seen: (string | null)[] = [];
    watch.onNotice((notice) => seen.push(notice));
    children[0]!.crash();
    expect(engineItem()).toBe(engineDownNotice(1, true));
    for (let i = 0; i < 20 && watch.notice !== null; i += 1) await vi.advanceTimersByTimeAsync(240);

    expect(children).toHaveLength(9);
    expect(seen).toEqual([...[1, 2, 3, 4, 5, 6, 7, 8].map((n) => engineDownNotice(n, true)), null]);
    expect(engineItem()).toBeNull();
  });

  it('clears the notice when the engine is stopped on purpose while down', async () => {
    const { watch, engineItem } = trayWithWatch();
    const { spawn, children } = scriptedLives(['up', 'crash']);
    engine = await watch.launch({ spawn, modulePath: '/e.js', modelDir: '/m', backoffBaseMs: 20, backoffMaxMs: 200 });
    children[0]!.crash();
    expect(engineItem()).toMatch(/restarting it \(attempt 1\)/);
    const stopping = engine.stop();
    engine = null;
    await vi.runAllTimersAsync();
    await stopping;
    expect(engineItem()).toBeNull();
  });

  it('tells the person what to do when restarts are used up (a finite policy)', async () => {
    const { watch, engineItem } = trayWithWatch();
    const { spawn, children } = scriptedLives(['up', 'crash']);
    engine = await watch.launch({ spawn, modulePath: '/e.js', modelDir: '/m', backoffBaseMs: 20, maxRestarts: 0 });
    children[0]!.crash();
    expect(engineItem()).toBe('Local speech engine stopped; restart Earshot to transcribe offline.');
  });
});
