import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fitToDisplays, loadWindowState, saveWindowState, WINDOW_STATE_FILE } from './window-state.ts';

const laptop = { x: 0, y: 0, width: 1440, height: 900 };
const external = { x: 1440, y: 0, width: 2560, height: 1440 };

describe('fitToDisplays', () => {
  it('keeps a window that is on a display', () => {
    const bounds = { x: 1600, y: 100, width: 1200, height: 800, maximized: false };
    expect(fitToDisplays(bounds, [laptop, external])).toEqual(bounds);
  });

  it('centres a window whose monitor is gone, and shrinks it to fit', () => {
    const onExternal = { x: 1600, y: 100, width: 2000, height: 1200, maximized: true };
    expect(fitToDisplays(onExternal, [laptop])).toEqual({ width: 1440, height: 900, maximized: true });
  });

  it('centres a window whose title bar is above the screen', () => {
    expect(fitToDisplays({ x: 100, y: -200, width: 800, height: 600, maximized: false }, [laptop])).toEqual({
      width: 800,
      height: 600,
      maximized: false,
    });
  });
});

describe('window state file', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'earshot-window-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('round-trips bounds, and treats a missing or damaged file as none', async () => {
    expect(await loadWindowState(dir)).toBeNull();
    await saveWindowState(dir, { x: 10, y: 20, width: 900, height: 700, maximized: false });
    expect(await loadWindowState(dir)).toEqual({ x: 10, y: 20, width: 900, height: 700, maximized: false });
    await writeFile(join(dir, WINDOW_STATE_FILE), '{"width": "wide"');
    expect(await loadWindowState(dir)).toBeNull();
    await writeFile(join(dir, WINDOW_STATE_FILE), '{"width": 5, "height": 5}');
    expect(await loadWindowState(dir)).toBeNull();
  });
});
