/**
 * What to do when the renderer process goes away. A crash is reloaded, but only a few times
 * within a time window: a page that crashes on every load would otherwise reload forever,
 * burning a core and flashing the window. Past the budget the window shows a local error
 * page with a Reload button instead, and the person decides when to try again.
 */
export interface ReloadPolicy {
  /** Reloads allowed within `windowMs`. */
  readonly maxReloads: number;
  readonly windowMs: number;
}

export const RENDERER_RELOAD_POLICY: ReloadPolicy = { maxReloads: 3, windowMs: 60_000 };

export interface RendererGoneDecision {
  readonly action: 'reload' | 'show-crash-page' | 'ignore';
  /** When the reloads still inside the window happened, this one included: the next call's input. */
  readonly reloads: readonly number[];
}

/**
 * `reason` is Electron's RenderProcessGoneDetails.reason; `reloads` the times (ms) of earlier
 * automatic reloads. Pure, so the policy is tested without Electron.
 */
export function decideAfterRendererGone(
  reason: string,
  reloads: readonly number[],
  now: number,
  policy: ReloadPolicy = RENDERER_RELOAD_POLICY,
): RendererGoneDecision {
  // The page closed itself on purpose: nothing to recover.
  if (reason === 'clean-exit') return { action: 'ignore', reloads };
  const recent = reloads.filter((at) => now - at < policy.windowMs);
  if (recent.length < policy.maxReloads) return { action: 'reload', reloads: [...recent, now] };
  return { action: 'show-crash-page', reloads: recent };
}
