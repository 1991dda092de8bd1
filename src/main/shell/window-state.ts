import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { createLogger } from '../../platform/log/logger.ts';
import { isErrno, writeFileAtomic } from '../../platform/fs/atomic-file.ts';

const log = createLogger('window-state');

export const WINDOW_STATE_FILE = 'window-state.json';

const boundsSchema = z.object({
  x: z.number().int().optional(),
  y: z.number().int().optional(),
  width: z.number().int().min(200).max(20_000),
  height: z.number().int().min(200).max(20_000),
  maximized: z.boolean().default(false),
});
export type WindowBounds = z.infer<typeof boundsSchema>;

export interface Rect {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** Reads the last window size and position; anything unreadable just means "use the defaults". */
export async function loadWindowState(dir: string): Promise<WindowBounds | null> {
  try {
    const parsed = boundsSchema.safeParse(JSON.parse(await readFile(join(dir, WINDOW_STATE_FILE), 'utf8')));
    return parsed.success ? parsed.data : null;
  } catch (error) {
    if (!isErrno(error, 'ENOENT')) log.warn('ignoring an unreadable window state file', error);
    return null;
  }
}

export async function saveWindowState(dir: string, bounds: WindowBounds): Promise<void> {
  await writeFileAtomic(join(dir, WINDOW_STATE_FILE), `${JSON.stringify(bounds)}\n`);
}

/**
 * Makes saved bounds safe for the displays attached now: a window last seen on a monitor
 * that is gone would open off-screen, so unless its title bar area is on some display it
 * loses its position (and is centred); it never comes back larger than the largest display.
 */
export function fitToDisplays(bounds: WindowBounds, workAreas: readonly Rect[]): WindowBounds {
  if (workAreas.length === 0) return bounds;
  const widest = Math.max(...workAreas.map((a) => a.width));
  const tallest = Math.max(...workAreas.map((a) => a.height));
  const fitted: WindowBounds = {
    ...bounds,
    width: Math.min(bounds.width, widest),
    height: Math.min(bounds.height, tallest),
  };
  if (fitted.x === undefined || fitted.y === undefined) return fitted;
  // The top strip of the window (where one grabs it) must be reachable: 100×30 px of it visible.
  const grab: Rect = { x: fitted.x, y: fitted.y, width: Math.min(fitted.width, 100), height: 30 };
  const reachable = workAreas.some((area) => overlap(grab, area) >= grab.width * grab.height * 0.9);
  if (reachable) return fitted;
  const { x: _x, y: _y, ...centred } = fitted;
  return centred;
}

function overlap(a: Rect, b: Rect): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return w > 0 && h > 0 ? w * h : 0;
}
