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
    expect(checkGlobalAccelerator('Ctrl+Shift')).toMatchObject({
      ok: false,
      reason: expect.stringContaining('no key') as string,
    });
    expect(checkGlobalAccelerator('Hyper+A')).toMatchObject({
      ok: false,
      reason: expect.stringContaining('"hyper" is not a modifier') as string,
    });
    expect(checkGlobalAccelerator('Ctrl+Banana')).toMatchObject({
      ok: false,
      reason: expect.stringContaining('"Banana"') as string,
    });
    expect(checkGlobalAccelerator('A')).toMatchObject({
      ok: false,
      reason: expect.stringContaining('needs a modifier') as string,
    });
    expect(checkGlobalAccelerator('Ctrl+Ctrl+A')).toMatchObject({
      ok: false,
      reason: expect.stringContaining('repeats') as string,
    });
  });
});
