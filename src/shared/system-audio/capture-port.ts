/**
 * The IPC channel on which the capture page's preload hands main its end of the MessagePort.
 * Its own module, free of zod: the sandboxed capture preload imports only this at run time,
 * so the two preload bundles share no chunk (a sandboxed preload can require only electron).
 */
export const CAPTURE_PORT_CHANNEL = 'earshot:system-audio:port';
