import { BrowserWindow, ipcMain, session, type IpcMainEvent, type MessagePortMain, type WebFrameMain } from 'electron';
import { createLogger } from '../../platform/log/logger.ts';
import type { CaptureContext, CaptureContextEvents } from '../../core/sources/system-audio-source.ts';
import { CAPTURE_PORT_CHANNEL } from '../../shared/system-audio/capture-messages.ts';
import { buildCaptureWindowOptions, CAPTURE_PARTITION } from './capture-window-options.ts';
import { setupCaptureSession } from './display-media.ts';

const log = createLogger('system-audio');

export interface CaptureWindowOptions {
  /** out/renderer/system-audio/index.html (or the dev server's), from captureWindowUrl. */
  readonly url: string;
  /** Absolute path of the built capture preload (out/preload/system-audio.cjs). */
  readonly preloadPath: string;
}

/** The window currently capturing, if any: the session's handlers ask it who may capture. */
let current: BrowserWindow | null = null;
let sessionReady = false;

function isCaptureFrame(frame: WebFrameMain | null): boolean {
  if (!frame || !current || current.isDestroyed()) return false;
  const main = current.webContents.mainFrame;
  return frame.processId === main.processId && frame.routingId === main.routingId;
}

/**
 * Opens the hidden capture page and wires it up: its preload hands over a MessagePort (checked
 * to come from this window), every message on it goes to `events.message`, a crashed or closed
 * page is `events.gone`. Once the page has loaded, main starts it with a simulated user
 * gesture (executeJavaScript's `userGesture`), because Chromium may require user activation
 * for getDisplayMedia and nobody clicks a hidden window.
 */
export function openCaptureWindow(options: CaptureWindowOptions, events: CaptureContextEvents): CaptureContext {
  if (!sessionReady) {
    setupCaptureSession(session.fromPartition(CAPTURE_PARTITION), {
      isCaptureFrame,
      isCaptureContents: (contents) =>
        !!contents && !!current && !current.isDestroyed() && contents === current.webContents,
    });
    sessionReady = true;
  }
  current?.destroy();
  const window = new BrowserWindow(buildCaptureWindowOptions(options.preloadPath));
  current = window;
  let port: MessagePortMain | null = null;
  let closed = false;

  const onPort = (event: IpcMainEvent): void => {
    if (event.sender !== window.webContents || !isCaptureFrame(event.senderFrame) || port) {
      log.warn('refused a capture port from something other than the capture page');
      return;
    }
    port = event.ports[0] ?? null;
    port?.on('message', (message) => events.message(message.data));
    port?.start();
  };
  ipcMain.on(CAPTURE_PORT_CHANNEL, onPort);

  const gone = (why: string): void => {
    if (closed) return;
    log.warn(`the capture page went away: ${why}`);
    close();
    events.gone();
  };
  window.webContents.on('render-process-gone', (_event, details) => gone(details.reason));
  window.on('closed', () => gone('window closed'));
  window.webContents.once('did-finish-load', () => {
    window.webContents
      .executeJavaScript('window.earshotStartCapture?.()', true)
      .catch((error: unknown) => log.warn('could not start the capture page', error));
  });
  window.loadURL(options.url).catch((error: unknown) => gone(`could not load ${options.url}: ${String(error)}`));

  function close(): void {
    if (closed) return;
    closed = true;
    ipcMain.removeListener(CAPTURE_PORT_CHANNEL, onPort);
    port?.close();
    if (current === window) current = null;
    if (!window.isDestroyed()) window.destroy();
  }
  return { close };
}
