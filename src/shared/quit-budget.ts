/**
 * How long quitting may take, from the request (menu, tray, OS logout, Ctrl+C, SIGTERM) to the
 * last byte saved. Electron main and the CLI's signal path share it: a running session drains
 * for as long as the budget allows; whatever is still on screen then is journaled as promoted
 * finals, the journal sealed and History told, all before the budget runs out. Operating systems
 * give a quitting app a few seconds before they kill it (logout, shutdown), so it stays short.
 */
export const QUIT_BUDGET_MS = 8_000;

/**
 * What a quit keeps for itself after the session's drain: promoting the partials, sealing the
 * journal, indexing it in History and stopping the child processes. A quarter of a small
 * budget (tests), at most 1.5 s.
 */
export function quitReserveMs(budgetMs: number): number {
  return Math.min(1_500, Math.round(budgetMs / 4));
}

/** When the session must be finished for a quit due at `deadline`: the reserve comes off the time left. */
export function sessionDeadline(deadline: number, now: number): number {
  return deadline - quitReserveMs(Math.max(0, deadline - now));
}
