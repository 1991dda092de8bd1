import type { ChildControlMessage } from './types.ts';

/**
 * The child's side of the channel: Electron's `process.parentPort` in a utility process,
 * `process.send` under `child_process.fork`. The child exits when its parent goes away,
 * so a crashed app never leaves a microphone open or an engine listening.
 */
export interface ParentPort {
  post(message: unknown): void;
  onMessage(listener: (message: unknown) => void): void;
  ready(): void;
  log(level: 'debug' | 'info' | 'warn' | 'error', message: string, data?: unknown): void;
  fatal(error: unknown): never;
}

interface ElectronParentPort {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (event: { data: unknown }) => void): void;
}

export function connectParentPort(onParentGone: () => void): ParentPort {
  const electronPort = (process as unknown as { parentPort?: ElectronParentPort }).parentPort;
  let post: (message: unknown) => void;
  let subscribe: (listener: (message: unknown) => void) => void;
  if (electronPort) {
    post = (m) => electronPort.postMessage(m);
    subscribe = (l) => electronPort.on('message', (event) => l(event.data));
  } else if (process.send) {
    post = (m) => {
      if (process.connected) process.send?.(m);
    };
    subscribe = (l) => process.on('message', l);
    process.on('disconnect', onParentGone);
  } else {
    throw new Error('This module runs as a child process: start it through the process host.');
  }
  const control = (message: ChildControlMessage): void => post(message);
  return {
    post,
    onMessage: subscribe,
    ready: () => control({ type: 'ready' }),
    log: (level, message, data) => control({ type: 'log', level, message, ...(data === undefined ? {} : { data }) }),
    fatal: (error) => {
      const e = error instanceof Error ? error : new Error(String(error));
      control({ type: 'fatal', error: { name: e.name, message: e.message, ...(e.stack ? { stack: e.stack } : {}) } });
      process.exit(1);
    },
  };
}
