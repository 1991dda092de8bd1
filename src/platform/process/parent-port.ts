import type { ChildControl, ChildEnvelope, LogLevel, ParentEnvelope } from '../../shared/process-envelope.ts';

/**
 * The child's side of the channel: Electron's `process.parentPort` in a utility process,
 * `process.send` under `child_process.fork`. The child exits when its parent goes away,
 * so a crashed app never leaves a microphone open or an engine listening.
 *
 * Everything travels in the envelope of src/shared/process-envelope.ts: `post` and `onMessage`
 * carry the child's own protocol, the other methods the process host's control words.
 */
export interface ParentPort {
  post(message: unknown): void;
  onMessage(listener: (message: unknown) => void): void;
  ready(): void;
  log(level: LogLevel, message: string, data?: unknown): void;
  fatal(error: unknown): never;
}

export interface ParentPortOptions {
  /** The parent went away (crashed, killed) without asking: release what is held and exit. */
  readonly onParentGone: () => void;
  /** The parent asked for a clean exit; it kills the child if it has not exited within its grace period. */
  readonly onShutdown: () => void;
}

interface ElectronParentPort {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (event: { data: unknown }) => void): void;
}

export function connectParentPort(options: ParentPortOptions): ParentPort {
  const electronPort = (process as unknown as { parentPort?: ElectronParentPort }).parentPort;
  let send: (envelope: ChildEnvelope) => void;
  let subscribe: (listener: (raw: unknown) => void) => void;
  if (electronPort) {
    send = (envelope) => electronPort.postMessage(envelope);
    subscribe = (listener) => electronPort.on('message', (event) => listener(event.data));
  } else if (process.send) {
    send = (envelope) => {
      if (process.connected) process.send?.(envelope);
    };
    subscribe = (listener) => process.on('message', listener);
    process.on('disconnect', options.onParentGone);
  } else {
    throw new Error('This module runs as a child process: start it through the process host.');
  }
  const control = (message: ChildControl): void => send({ control: message });
  const log = (level: LogLevel, message: string, data?: unknown): void =>
    control({ type: 'log', level, message, ...(data === undefined ? {} : { data }) });

  const protocolListeners: ((message: unknown) => void)[] = [];
  subscribe((raw) => {
    const envelope = readEnvelope(raw);
    if (!envelope) {
      log('warn', 'dropped a message from the parent that is not in the process envelope');
      return;
    }
    if ('control' in envelope) {
      // One control word today; a switch keeps the next one from being ignored unnoticed.
      switch (envelope.control.type) {
        case 'shutdown':
          options.onShutdown();
          return;
      }
    }
    for (const listener of protocolListeners) listener(envelope.message);
  });

  return {
    post: (message) => send({ message }),
    onMessage: (listener) => protocolListeners.push(listener),
    ready: () => control({ type: 'ready' }),
    log,
    fatal: (error) => {
      const e = error instanceof Error ? error : new Error(String(error));
      control({ type: 'fatal', error: { name: e.name, message: e.message, ...(e.stack ? { stack: e.stack } : {}) } });
      process.exit(1);
    },
  };
}

/**
 * Reads the tag of what the parent sent, by hand rather than with the shared zod schema: this
 * port is in every child, device probes included, and those must start without loading zod.
 * The parent started this process and is trusted on shape; the child's own protocol parser
 * checks what is inside `message`.
 */
function readEnvelope(raw: unknown): ParentEnvelope | null {
  if (typeof raw !== 'object' || raw === null) return null;
  if ('control' in raw) {
    const type = (raw.control as { type?: unknown } | null)?.type;
    return type === 'shutdown' ? { control: { type } } : null;
  }
  if ('message' in raw) return { message: raw.message };
  return null;
}
