import { contextBridge, ipcRenderer } from 'electron';
import type { CaptureBridge, CaptureMessage } from '../shared/system-audio/capture-messages.ts';
import { CAPTURE_PORT_CHANNEL } from '../shared/system-audio/capture-port.ts';

/**
 * The hidden capture page's only door to main: `window.earshotCapture.post(message)`. The
 * preload makes a MessageChannel, hands one end to main once (main checks it came from the
 * capture window), and keeps the other here; messages posted before main listens wait in the
 * port. Nothing else crosses: no ipcRenderer, no listeners, nothing from main.
 */
const channel = new MessageChannel();
ipcRenderer.postMessage(CAPTURE_PORT_CHANNEL, null, [channel.port2]);

export const captureBridge: CaptureBridge = {
  post: (message: CaptureMessage) => channel.port1.postMessage(message),
};

contextBridge.exposeInMainWorld('earshotCapture', captureBridge);
