import { describe, expect, it } from 'vitest';
import { checkGlobalAccelerator } from './accelerator.ts';

describe('checkGlobalAccelerator', () => {
  it('accepts the default and other real combinations', () => {
    for (const a of [
      'CommandOrControl+Shift+Space',
      'Alt+F9',
      'Ctrl+Shift+T',
      'Cmd+Option+1',
      'F13',
      'MediaPlayPause',
      'Ctrl++',
      'Super+/',
    ]) {
      expect(checkGlobalAccelerator(a), a).toEqual({ ok: true });
    }
  });

  it('explains what is wrong with a bad one', () => {
    expect(checkGlobalAccelerator('')).toMatchObject({ ok: false });
    for (const [accelerator, reason] of [
      ['Ctrl+Shift', 'no key'],
      ['Hyper+A', '"hyper" is not a modifier'],
      ['Ctrl+Banana', '"Banana"'],
      ['A', 'needs a modifier'],
      ['Ctrl+Ctrl+A', 'repeats'],
    ] as const) {
      expect(checkGlobalAccelerator(accelerator), accelerator).toMatchObject({
        ok: false,
        reason: expect.stringContaining(reason) as string,
      });
    }
  });
});
