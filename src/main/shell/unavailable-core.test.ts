import { describe, expect, it } from 'vitest';
import { EarshotError } from '../../shared/errors.ts';
import type { EventChannel } from '../../shared/ipc/contract.ts';
import { dispatchInvoke } from '../../core/ipc/handlers.ts';
import { unavailableCore } from './unavailable-core.ts';

describe('unavailableCore', () => {
  const core = unavailableCore(new EarshotError('ENGINE_START_FAILED'), { version: '1.2.3', platform: 'linux' });

  it('answers every request with the startup error, except what the window needs to explain it', async () => {
    expect(await dispatchInvoke(core.handlers, 'session.start', undefined)).toMatchObject({
      ok: false,
      error: { code: 'ENGINE_START_FAILED' },
    });
    expect(await dispatchInvoke(core.handlers, 'app.info', undefined)).toEqual({
      ok: true,
      value: { version: '1.2.3', platform: 'linux', transport: 'ipc' },
    });
    expect(await dispatchInvoke(core.handlers, 'renderer.ready', undefined)).toEqual({ ok: true, value: null });
    expect(await dispatchInvoke(core.handlers, 'session.get', undefined)).toMatchObject({
      ok: true,
      value: { state: 'error', error: { code: 'ENGINE_START_FAILED' } },
    });
  });

  it('tells a new subscriber the error state at once', () => {
    const seen: [EventChannel, unknown][] = [];
    core.subscribe((event, payload) => seen.push([event, payload]));
    expect(seen).toEqual([['status', expect.objectContaining({ state: 'error' })]]);
  });
});
