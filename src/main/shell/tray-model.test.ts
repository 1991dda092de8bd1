import { describe, expect, it } from 'vitest';
import { idleSnapshot, sessionStates, type SessionSnapshot } from '../../shared/session.ts';
import { trayModel } from './tray-model.ts';

const snap = (patch: Partial<SessionSnapshot>): SessionSnapshot => ({ ...idleSnapshot(), ...patch });

describe('trayModel', () => {
  it('maps every session state to an icon and a start/stop item', () => {
    const table = Object.fromEntries(
      sessionStates.map((state) => {
        const m = trayModel(
          snap({ state, error: state === 'error' ? { code: 'DEVICE_LOST', message: 'Mic gone' } : null }),
        );
        return [state, [m.icon, m.toggle.label, m.toggle.enabled]];
      }),
    );
    expect(table).toEqual({
      idle: ['idle', 'Start listening', true],
      starting: ['listening', 'Stop listening', true],
      streaming: ['listening', 'Stop listening', true],
      reconnecting: ['listening', 'Stop listening', true],
      stopping: ['listening', 'Stopping…', false],
      error: ['error', 'Start listening', true],
    });
  });

  it('says what is going on in the status line and tooltip', () => {
    expect(trayModel(snap({ state: 'streaming', deviceName: 'USB Mic' })).status).toBe('Listening — USB Mic');
    expect(trayModel(snap({ state: 'reconnecting', reconnectAttempt: 3 })).status).toBe('Reconnecting (attempt 3)…');
    const error = trayModel(
      snap({ state: 'error', error: { code: 'X', message: 'The microphone was disconnected.' } }),
    );
    expect(error.tooltip).toBe('Earshot — Error: The microphone was disconnected.');
  });

  it('names both sources in meeting mode, and says when system audio is not streaming', () => {
    const system = { deviceKey: 'pulse:spk.monitor', deviceName: 'System audio — Speakers', bufferedMs: 0 };
    const both = snap({ state: 'streaming', deviceName: 'Headset', system: { ...system, state: 'streaming' } });
    expect(trayModel(both).status).toBe('Listening — Headset + system audio');
    const waiting = snap({ state: 'streaming', deviceName: 'Headset', system: { ...system, state: 'reconnecting' } });
    expect(trayModel(waiting).status).toBe('Listening — Headset + system audio reconnecting');
  });

  it('says the session is offline but still recording, and how much audio waits', () => {
    const offline = trayModel(snap({ state: 'reconnecting', reconnectAttempt: 40, bufferedMs: 185_000 }));
    expect(offline.status).toBe('Offline — still recording, 3 min buffered');
    expect(offline.tooltip).toBe('Earshot — Offline — still recording, 3 min buffered');
    expect(offline.toggle).toEqual({ label: 'Stop listening', enabled: true });
    expect(trayModel(snap({ state: 'reconnecting', bufferedMs: 42_000 })).status).toBe(
      'Offline — still recording, 42 s buffered',
    );
    const failedOver = trayModel(snap({ state: 'streaming', provider: 'deepgram', servingProvider: 'local' }));
    expect(failedOver.status).toBe('Offline — transcribing on this computer');
  });

  it('keeps the tooltip within the Windows limit', () => {
    const m = trayModel(snap({ state: 'error', error: { code: 'X', message: 'x'.repeat(500) } }));
    expect(m.tooltip.length).toBeLessThanOrEqual(127);
  });
});
