import { setPriority } from 'node:os';
import { CAPTURE_PROTOCOL_VERSION, parseParentMessage, type CaptureRequest } from '../shared/capture-protocol.ts';
import { toErrorPayload } from '../shared/errors.ts';
import { connectParentPort, type ParentPort } from '../platform/process/parent-port.ts';
import { CaptureService } from './capture-service.ts';
import { HelperClient } from './helper-client.ts';
import { chooseBackend } from './choose-backend.ts';

/**
 * The capture process proper: connects to its parent, serves capture requests, and exits
 * cleanly when asked (the host's shutdown control word) or when the parent goes away. Helper processes it
 * needs are started by the parent on its request (HelperClient).
 */
export async function runCaptureProcess(): Promise<void> {
  const priority = raiseSchedulingPriority();
  let service: CaptureService | null = null;
  let backend: Awaited<ReturnType<typeof chooseBackend>> | null = null;
  let exiting = false;

  const exit = async (reason: string): Promise<void> => {
    if (exiting) return;
    exiting = true;
    port.log('info', `capture process exiting (${reason})`);
    const forced = setTimeout(() => process.exit(0), 3000);
    forced.unref();
    await service?.shutdown().catch((error: unknown) => port.log('warn', `shutdown: ${(error as Error).message}`));
    // Probes still running: the parent ends them anyway once this process is gone.
    helpers.dispose();
    backend?.dispose?.();
    process.exit(0);
  };

  const port = connectParentPort({
    // The parent went away (crashed, killed): release the microphone and go.
    onParentGone: () => void exit('parent gone'),
    onShutdown: () => void exit('asked to stop'),
  });
  const helpers = new HelperClient((request) => port.post({ v: CAPTURE_PROTOCOL_VERSION, ...request }));
  // The parent waits for `ready` before asking anything, so choosing may take a pactl round trip.
  backend = await chooseBackend(helpers, (level, message) => port.log(level, message));
  service = new CaptureService({
    backend,
    emit: (event) => port.post({ v: CAPTURE_PROTOCOL_VERSION, ...event }),
    log: (level, message) => port.log(level, message),
  });
  port.log('debug', `capture process started (scheduling priority ${priority})`);
  port.onMessage((raw) => {
    const parsed = parseParentMessage(raw);
    if (!parsed.ok) {
      rejectMalformed(port, raw, parsed.error);
      return;
    }
    const message = parsed.message;
    switch (message.type) {
      case 'helper-message':
      case 'helper-exit':
        helpers.deliver(message);
        return;
      default:
        if (service) serve(port, service, message);
    }
  });
  process.on('uncaughtException', (error) => port.fatal(error));
  process.on('unhandledRejection', (error) => port.fatal(error));
  port.ready();
}

function rejectMalformed(port: ParentPort, raw: unknown, error: string): void {
  const { id, type } = (raw ?? {}) as { id?: unknown; type?: unknown };
  port.log('error', `malformed message dropped: ${error}`);
  // A request waits for its reply; a helper notice has nobody waiting on this side of it.
  if (typeof id === 'number' && type !== 'helper-message' && type !== 'helper-exit') {
    port.post({
      v: CAPTURE_PROTOCOL_VERSION,
      type: 'reply',
      id,
      ok: false,
      error: { code: 'IPC_INVALID_PAYLOAD', message: 'The capture process received a malformed request.' },
    });
  }
}

function serve(port: ParentPort, service: CaptureService, request: CaptureRequest): void {
  service.handle(request).then(
    (value) =>
      port.post({ v: CAPTURE_PROTOCOL_VERSION, type: 'reply', id: request.id, ok: true, value: value ?? null }),
    (error: unknown) => {
      const payload = toErrorPayload(error);
      if (payload.code === 'INTERNAL')
        port.log('error', `${request.type} failed: ${(error as Error)?.stack ?? String(error)}`);
      port.post({ v: CAPTURE_PROTOCOL_VERSION, type: 'reply', id: request.id, ok: false, error: payload });
    },
  );
}

/**
 * Audio that waits behind other work arrives late; like the browsers' audio services, the
 * capture process asks the OS to schedule it ahead of ordinary processes. Unprivileged users
 * may not raise priority on Linux: then it stays as it was.
 */
function raiseSchedulingPriority(): string {
  for (const nice of [-10, -5, -1]) {
    try {
      setPriority(nice);
      return String(nice);
    } catch {
      // Not permitted at this level; try a smaller raise.
    }
  }
  return 'unchanged (not permitted)';
}
