/**
 * Checks an Electron accelerator ("CommandOrControl+Shift+Space") before it reaches
 * `globalShortcut.register`, so a typo becomes a clear message instead of a native error.
 * Grammar: https://www.electronjs.org/docs/latest/api/accelerator
 */
const MODIFIERS = new Set([
  'command',
  'cmd',
  'control',
  'ctrl',
  'commandorcontrol',
  'cmdorctrl',
  'alt',
  'option',
  'altgr',
  'shift',
  'super',
  'meta',
]);

const NAMED_KEYS = new Set([
  'plus',
  'space',
  'tab',
  'capslock',
  'numlock',
  'scrolllock',
  'backspace',
  'delete',
  'insert',
  'return',
  'enter',
  'up',
  'down',
  'left',
  'right',
  'home',
  'end',
  'pageup',
  'pagedown',
  'escape',
  'esc',
  'volumeup',
  'volumedown',
  'volumemute',
  'medianexttrack',
  'mediaprevioustrack',
  'mediastop',
  'mediaplaypause',
  'printscreen',
  'numdec',
  'numadd',
  'numsub',
  'nummult',
  'numdiv',
]);

/** Keys that make sense as a global shortcut on their own, without a modifier. */
const STANDALONE = /^(f([1-9]|1[0-9]|2[0-4])|media\w+|volume\w+)$/;

export type AcceleratorCheck = { readonly ok: true } | { readonly ok: false; readonly reason: string };

export function checkGlobalAccelerator(accelerator: string): AcceleratorCheck {
  const parts = accelerator.split('+').map((p) => p.trim());
  // "Ctrl++" means Ctrl and the plus key: the empty part after a '+' is the key itself.
  if (accelerator.endsWith('++')) parts.splice(-2, 2, 'plus');
  if (parts.length === 0 || parts.some((p) => p === ''))
    return { ok: false, reason: `"${accelerator}" is not a key combination` };
  const key = parts[parts.length - 1]!.toLowerCase();
  const modifiers = parts.slice(0, -1).map((p) => p.toLowerCase());
  const unknown = modifiers.find((m) => !MODIFIERS.has(m));
  if (unknown !== undefined)
    return { ok: false, reason: `"${unknown}" is not a modifier (use Ctrl, Alt, Shift, Cmd or CommandOrControl)` };
  if (new Set(modifiers).size !== modifiers.length) return { ok: false, reason: `"${accelerator}" repeats a modifier` };
  if (MODIFIERS.has(key)) return { ok: false, reason: `"${accelerator}" has no key besides its modifiers` };
  if (!isKey(key)) return { ok: false, reason: `"${parts[parts.length - 1]}" is not a key Electron knows` };
  if (modifiers.length === 0 && !STANDALONE.test(key)) {
    return { ok: false, reason: `"${accelerator}" needs a modifier, or it would swallow that key in every app` };
  }
  return { ok: true };
}

function isKey(key: string): boolean {
  return (
    /^[a-z0-9]$/.test(key) ||
    /^f([1-9]|1[0-9]|2[0-4])$/.test(key) ||
    /^num[0-9]$/.test(key) ||
    /^[)!@#$%^&*(:;<=>?_~{}|"'`,\-./[\]\\]$/.test(key) ||
    NAMED_KEYS.has(key)
  );
}
