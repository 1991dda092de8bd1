import { setPriority } from 'node:os';
import { CAPTURE_PROTOCOL_VERSION, captureRequestSchema } from '../shared/capture-protocol.ts';
import { toErrorPayload } from '../shared/errors.ts';
import { connectParentPort, type ParentPort } from '../core/process/parent-port.ts';
import { CaptureService } from './capture-service.ts';

/**
 * The capture process proper: connects to its parent, serves capture requests, and exits
 * cleanly when asked (SHUTDOWN_MESSAGE) or when the parent goes away. `entryPath` is the
 * module to re-run with `--probe` for device probes.
 */
export function runCaptureProcess(entryPath: string): void {
  const priority = raiseSchedulingPriority();
  let service: CaptureService | null = null;
  let exiting = false;

  const exit = async (reason: string): Promise<void> => {
    if (exiting) return;
    exiting = true;
    port.log('info', `capture process exiting (${reason})`);
    const forced = setTimeout(() => process.exit(0), 3000);
    forced.unref();
    await service?.shutdown().catch((error: unknown) => port.log('warn', `shutdown: ${(error as Error).message}`));
    process.exit(0);
  };

  // The parent went away (crashed, killed): release the microphone and go.
  const port = connectParentPort(() => void exit('parent gone'));
  service = new CaptureService({
    entryPath,
    emit: (event) => port.post({ v: CAPTURE_PROTOCOL_VERSION, ...event }),
    log: (level, message) => port.log(level, message),
  });
  port.log('debug', `capture process started (scheduling priority ${priority})`);
  port.onMessage((raw) => {
    if ((raw as { type?: unknown } | null)?.type === 'shutdown') void exit('asked to stop');
    else if (service) serve(port, service, raw);
  });
  process.on('uncaughtException', (error) => port.fatal(error));
  process.on('unhandledRejection', (error) => port.fatal(error));
  port.ready();
}

function serve(port: ParentPort, service: CaptureService, raw: unknown): void {
  const parsed = captureRequestSchema.safeParse(raw);
  if (!parsed.success) {
    const id = (raw as { id?: unknown } | null)?.id;
    port.log('error', `malformed request dropped: ${parsed.error.message}`);
    if (typeof id === 'number') {
      port.post({
        v: CAPTURE_PROTOCOL_VERSION,
        type: 'reply',
        id,
        ok: false,
        error: { code: 'IPC_INVALID_PAYLOAD', message: 'The capture process received a malformed request.' },
      });
    }
    return;
  }
  const request = parsed.data;
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
