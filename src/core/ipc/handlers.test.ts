import { describe, expect, it, vi } from 'vitest';
import { EarshotError } from '../../shared/errors.ts';
import { dispatchInvoke, type HandlerTable } from './handlers.ts';

function tableWith(overrides: Partial<HandlerTable>): HandlerTable {
  return new Proxy(overrides as HandlerTable, {
    get: (target, key: string) =>
      target[key as keyof HandlerTable] ?? (() => Promise.reject(new Error(`unexpected ${key}`))),
  });
}

describe('dispatchInvoke', () => {
  it('serves a valid call with the handler value', async () => {
    const handlers = tableWith({
      'history.rename': ({ id, title }) => ({
        id,
        title,
        startedAt: 1,
        endedAt: null,
        durationMs: 0,
        segmentCount: 0,
        provider: 'local',
        recovered: false,
      }),
    });
    const result = await dispatchInvoke(handlers, 'history.rename', { id: 's1', title: '  Standup ' });
    expect(result).toMatchObject({ ok: true, value: { id: 's1', title: 'Standup' } });
  });

  it('rejects a malformed payload with a typed error and does not call the handler', async () => {
    const rename = vi.fn();
    const result = await dispatchInvoke(tableWith({ 'history.rename': rename }), 'history.rename', {
      id: 's1',
      title: 42,
    });
    expect(result).toEqual({
      ok: false,
      error: { code: 'IPC_INVALID_PAYLOAD', message: expect.stringContaining('title') as string },
    });
    expect(rename).not.toHaveBeenCalled();
  });

  it('rejects unknown fields, so a payload cannot smuggle extra data', async () => {
    const result = await dispatchInvoke(tableWith({}), 'secrets.set', { provider: 'openai', key: 'k', extra: true });
    expect(result.ok).toBe(false);
  });

  it('rejects an unknown channel', async () => {
    const result = await dispatchInvoke(tableWith({}), 'fs.readFile', '/etc/passwd');
    expect(result).toMatchObject({ ok: false, error: { code: 'IPC_UNKNOWN_CHANNEL' } });
  });

  it('turns an EarshotError into its code and a surprise into INTERNAL, reporting the surprise', async () => {
    const unexpected = vi.fn();
    const known = await dispatchInvoke(
      tableWith({ 'session.stop': () => Promise.reject(new EarshotError('SESSION_NOT_RUNNING')) }),
      'session.stop',
      undefined,
    );
    expect(known).toMatchObject({ ok: false, error: { code: 'SESSION_NOT_RUNNING' } });
    const surprise = await dispatchInvoke(
      tableWith({
        'session.stop': () => {
          throw new TypeError('boom');
        },
      }),
      'session.stop',
      undefined,
      unexpected,
    );
    expect(surprise).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
    expect(unexpected).toHaveBeenCalledWith('session.stop', expect.any(TypeError));
  });
});
