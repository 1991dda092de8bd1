import { describe, expect, it } from 'vitest';
import { ERROR_CATALOG, type ErrorCode } from '../../../shared/errors.ts';
import { actionForError } from './error-actions.ts';

describe('the button beside an error', () => {
  it('is the action the error catalog names for the code, with its label', () => {
    expect(actionForError('PROVIDER_KEY_MISSING')).toEqual({ kind: 'open-settings', label: 'Open Settings' });
    expect(actionForError('MODEL_CHECKSUM_MISMATCH')).toEqual({ kind: 'open-models', label: 'Open Models' });
    expect(actionForError('NO_INPUT_DEVICES')).toEqual({ kind: 'refresh-devices', label: 'Refresh microphones' });
    expect(actionForError('BRIDGE_DISCONNECTED')).toEqual({ kind: 'reload', label: 'Reload' });
    expect(actionForError('DRAIN_TIMEOUT')).toEqual({ kind: 'retry', label: 'Try again' });
    for (const code of Object.keys(ERROR_CATALOG) as ErrorCode[])
      expect(actionForError(code).kind, code).toBe(ERROR_CATALOG[code].action);
  });

  it('offers Try again for a code this build does not know (a newer main behind the web bridge)', () => {
    expect(actionForError('SOMETHING_NEW' as ErrorCode)).toEqual({ kind: 'retry', label: 'Try again' });
  });
});
