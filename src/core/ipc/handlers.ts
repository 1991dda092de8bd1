import { EarshotError, toErrorPayload } from '../../shared/errors.ts';
import {
  invokeContract,
  isInvokeChannel,
  type EventChannel,
  type EventPayload,
  type InvokeChannel,
  type InvokeResponse,
  type ParsedRequest,
} from '../../shared/ipc/contract.ts';
import { fail, ok, type Result } from '../../shared/result.ts';

/**
 * The handler table: one function per invoke channel. It knows nothing of its transport, so
 * Electron IPC (src/main/ipc.ts) and the web bridge serve exactly the same table.
 */
export type HandlerTable = {
  [C in InvokeChannel]: (payload: ParsedRequest<C>) => Promise<InvokeResponse<C>> | InvokeResponse<C>;
};

/** Pushes an event to every connected front end. */
export type EventSink = <E extends EventChannel>(event: E, payload: EventPayload<E>) => void;

/** Validates the channel and payload, runs the handler, and never throws: errors become data. */
export async function dispatchInvoke(
  handlers: HandlerTable,
  channel: unknown,
  payload: unknown,
  onUnexpected?: (channel: string, error: unknown) => void,
): Promise<Result<unknown>> {
  if (!isInvokeChannel(channel)) {
    return fail('IPC_UNKNOWN_CHANNEL', `Unknown request "${String(channel).slice(0, 80)}".`);
  }
  const parsed = invokeContract[channel].request.safeParse(payload);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? ` at "${issue.path.join('.')}"` : '';
    return fail('IPC_INVALID_PAYLOAD', `Malformed request for ${channel}${where}: ${issue?.message ?? 'invalid'}.`);
  }
  try {
    const handler = handlers[channel] as (p: unknown) => unknown;
    return ok(await handler(parsed.data));
  } catch (error) {
    if (!(error instanceof EarshotError)) onUnexpected?.(channel, error);
    return { ok: false, error: toErrorPayload(error) };
  }
}
