import type { WebContents } from 'electron';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import {
  electronMock,
  invokeEvent,
  MockWebContents,
  MockWebFrameMain,
  resetElectronMock,
} from '../../tests/helpers/electron-mock.ts';
import type { HandlerTable } from '../core/ipc/handlers.ts';
import { setLogSink, type LogRecord } from '../platform/log/logger.ts';
import { fileRenderer } from './shell/renderer-location.ts';
import { IPC_PREFIX, invokeChannels } from '../shared/ipc/contract.ts';
import { idleSnapshot } from '../shared/session.ts';
import { setupIpc, type IpcRegistry } from './ipc.ts';

vi.mock('electron', () => import('../../tests/helpers/electron-mock.ts'));

const RENDERER_URL = 'file:///opt/Earshot/resources/app.asar/out/renderer/index.html';
const renderer = fileRenderer(RENDERER_URL);

function handlersWith(overrides: Partial<HandlerTable>): HandlerTable {
  return new Proxy(overrides as HandlerTable, {
    get: (target, key: string) =>
      target[key as keyof HandlerTable] ?? (() => Promise.reject(new Error(`unexpected call to ${key}`))),
  });
}

const summary = {
  id: 's1',
  title: 'Standup',
  startedAt: 1,
  endedAt: 2,
  durationMs: 1,
  segmentCount: 3,
  provider: 'local',
  recovered: false,
};

let registry: IpcRegistry;
let page: MockWebContents;
let rename: ReturnType<typeof vi.fn>;
let rendererReady: ReturnType<typeof vi.fn>;
let logs: LogRecord[];

async function openPage(url = RENDERER_URL): Promise<MockWebContents> {
  const contents = new MockWebContents();
  await contents.loadURL(url);
  return contents;
}

function call(channel: string, event: ReturnType<typeof invokeEvent>, payload?: unknown): Promise<unknown> {
  return electronMock.ipcMain.invoke(IPC_PREFIX + channel, event, payload);
}

beforeEach(async () => {
  resetElectronMock();
  logs = [];
  setLogSink((record) => logs.push(record), 'debug');
  rename = vi.fn(({ id, title }: { id: string; title: string }) => ({ ...summary, id, title }));
  rendererReady = vi.fn(() => null);
  registry = setupIpc({
    ipcMain: electronMock.ipcMain as never,
    handlers: handlersWith({ 'history.rename': rename as never, 'renderer.ready': rendererReady as never }),
    renderer,
    maxQueuedEvents: 5,
  });
  page = await openPage();
  registry.trackWindow(page as unknown as WebContents);
});

describe('IPC registry: who may call', () => {
  it('registers exactly the contract’s invoke channels, prefixed', () => {
    expect([...electronMock.ipcMain.handlers.keys()].sort()).toEqual(invokeChannels.map((c) => IPC_PREFIX + c).sort());
  });

  it('serves a valid call from our window with the handler’s value', async () => {
    const result = await call('history.rename', invokeEvent(page), { id: 's1', title: '  Weekly  ' });
    expect(result).toEqual({ ok: true, value: { ...summary, title: 'Weekly' } });
    expect(rename).toHaveBeenCalledWith({ id: 's1', title: 'Weekly' });
  });

  it('rejects a sender that is not a window we created', async () => {
    const stranger = await openPage();
    const result = await call('history.rename', invokeEvent(stranger), { id: 's1', title: 'x' });
    expect(result).toMatchObject({ ok: false, error: { code: 'IPC_FORBIDDEN_SENDER' } });
    expect(rename).not.toHaveBeenCalled();
    expect(logs.some((r) => r.level === 'warn' && r.message.includes('a window Earshot did not create'))).toBe(true);
  });

  it('rejects a sub-frame of our window', async () => {
    const iframe = new MockWebFrameMain(RENDERER_URL, page.mainFrame);
    const result = await call('history.rename', invokeEvent(page, iframe), { id: 's1', title: 'x' });
    expect(result).toMatchObject({
      ok: false,
      error: { code: 'IPC_FORBIDDEN_SENDER', message: expect.stringContaining('sub-frame') as string },
    });
    expect(rename).not.toHaveBeenCalled();
  });

  it('rejects our window once it shows a page that is not ours', async () => {
    page.mainFrame.url = 'https://evil.example/';
    const result = await call('history.rename', invokeEvent(page), { id: 's1', title: 'x' });
    expect(result).toMatchObject({
      ok: false,
      error: { code: 'IPC_FORBIDDEN_SENDER', message: expect.stringContaining('https://evil.example') as string },
    });
    page.mainFrame.url = 'file:///tmp/other.html';
    expect(await call('history.rename', invokeEvent(page), { id: 's1', title: 'x' })).toMatchObject({ ok: false });
    expect(rename).not.toHaveBeenCalled();
  });

  it('rejects a frame that is gone or is not the window’s top frame', async () => {
    expect(await call('history.rename', invokeEvent(page, null), { id: 's1', title: 'x' })).toMatchObject({
      ok: false,
      error: { code: 'IPC_FORBIDDEN_SENDER' },
    });
    const detachedTop = new MockWebFrameMain(RENDERER_URL);
    expect(await call('history.rename', invokeEvent(page, detachedTop), { id: 's1', title: 'x' })).toMatchObject({
      ok: false,
      error: { code: 'IPC_FORBIDDEN_SENDER' },
    });
    expect(rename).not.toHaveBeenCalled();
  });

  it('rejects a malformed payload with a typed error, without calling the handler', async () => {
    const result = await call('history.rename', invokeEvent(page), { id: 's1', title: 42 });
    expect(result).toEqual({
      ok: false,
      error: { code: 'IPC_INVALID_PAYLOAD', message: expect.stringContaining('title') as string },
    });
    expect(await call('history.rename', invokeEvent(page), 'not even an object')).toMatchObject({
      ok: false,
      error: { code: 'IPC_INVALID_PAYLOAD' },
    });
    expect(rename).not.toHaveBeenCalled();
  });

  it('answers a handler’s surprise with INTERNAL and logs it, instead of throwing across IPC', async () => {
    rename.mockImplementation(() => {
      throw new TypeError('boom');
    });
    const result = await call('history.rename', invokeEvent(page), { id: 's1', title: 'x' });
    expect(result).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
    expect(logs.some((r) => r.level === 'error' && r.message.includes('history.rename'))).toBe(true);
  });

  it('stops a window from calling once it is destroyed, and unregisters everything on dispose', async () => {
    page.destroy();
    expect(await call('history.rename', invokeEvent(page), { id: 's1', title: 'x' })).toMatchObject({ ok: false });
    registry.dispose();
    expect(electronMock.ipcMain.handlers.size).toBe(0);
  });
});

describe('IPC registry: events to the renderer', () => {
  const status = (bufferedMs: number) => ({ ...idleSnapshot(), bufferedMs });
  const sentEvents = () => page.sent.map((s) => [s.channel, s.payload]);

  it('queues events until the renderer says ready, then delivers them in order', async () => {
    registry.send('transcriptCleared', null);
    registry.send('status', status(1));
    expect(page.sent).toEqual([]);

    expect(await call('renderer.ready', invokeEvent(page))).toEqual({ ok: true, value: null });
    expect(rendererReady).toHaveBeenCalledOnce();
    expect(sentEvents()).toEqual([
      ['earshot:transcriptCleared', null],
      ['earshot:status', status(1)],
    ]);
    registry.send('status', status(2));
    expect(sentEvents().at(-1)).toEqual(['earshot:status', status(2)]);
  });

  it('keeps only the latest of a state event while waiting, and every transcript event', async () => {
    const transcript = (n: number) => ({ segmentId: `s${n}`, text: `t${n}`, isFinal: true });
    registry.send('status', status(1));
    registry.send('transcript', transcript(1));
    registry.send('status', status(2));
    registry.send('transcript', transcript(2));
    await call('renderer.ready', invokeEvent(page));
    expect(sentEvents()).toEqual([
      ['earshot:transcript', transcript(1)],
      ['earshot:status', status(2)],
      ['earshot:transcript', transcript(2)],
    ]);
  });

  it('bounds the queue of a window that never gets ready, dropping the oldest', async () => {
    for (let i = 0; i < 8; i += 1) registry.send('transcript', { segmentId: `s${i}`, text: '', isFinal: false });
    await call('renderer.ready', invokeEvent(page));
    expect(page.sent.map((s) => (s.payload as { segmentId: string }).segmentId)).toEqual([
      's3',
      's4',
      's5',
      's6',
      's7',
    ]);
    expect(logs.some((r) => r.message.includes('dropping its oldest queued events'))).toBe(true);
  });

  it('queues again after a reload until the new page says ready', async () => {
    await call('renderer.ready', invokeEvent(page));
    page.reload();
    registry.send('status', status(3));
    expect(page.sent).toEqual([]);
    await call('renderer.ready', invokeEvent(page));
    expect(sentEvents()).toEqual([['earshot:status', status(3)]]);
  });

  it('sends nothing to a page that is not ours, nor to a window that is not tracked', async () => {
    const untracked = await openPage();
    await call('renderer.ready', invokeEvent(page));
    page.mainFrame.url = 'https://evil.example/';
    registry.send('status', status(4));
    expect(page.sent).toEqual([]);
    expect(untracked.sent).toEqual([]);
  });
});
