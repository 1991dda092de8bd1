/**
 * In-window keyboard shortcuts. The system-wide toggle is main's global shortcut (Settings);
 * these work while the window has focus, including inside the transcript.
 */
export const TOGGLE_SHORTCUT_LABEL = 'Ctrl+Enter';
/** For `aria-keyshortcuts`: both spellings, since macOS users press Cmd. */
export const TOGGLE_SHORTCUT_ARIA = 'Control+Enter Meta+Enter';

export function isToggleShortcut(
  event: Pick<KeyboardEvent, 'key' | 'ctrlKey' | 'metaKey' | 'altKey' | 'shiftKey' | 'repeat'>,
): boolean {
  return event.key === 'Enter' && (event.ctrlKey || event.metaKey) && !event.altKey && !event.shiftKey && !event.repeat;
}
