import type { IncomingMessage } from 'node:http';
import WebSocket from 'ws';
import type { WireMessage } from '../providers/types.ts';
import type { OpenTransport, Transport } from './transport.ts';

/** A provider connection's socket: a `ws` WebSocket without compression. */
export const openWebSocket: OpenTransport = (request, options, listener): Transport => {
  const ws = new WebSocket(request.url, request.protocols ? [...request.protocols] : [], {
    headers: { ...request.headers },
    perMessageDeflate: false,
    handshakeTimeout: options.connectTimeoutMs,
    maxPayload: 16 * 1024 * 1024,
  });
  let wasOpen = false;
  ws.on('open', () => {
    wasOpen = true;
    listener.opened();
  });
  ws.on('message', (data, isBinary) => listener.message(toBuffer(data), isBinary));
  ws.on('pong', () => listener.pong());
  ws.on('unexpected-response', (req, res) =>
    readRefusal(req, res, (status, detail) => listener.failed(status, detail)),
  );
  ws.on('error', (error) => {
    // An error before the upgrade means the service was not reached; after it, a close follows.
    if (ws.readyState === WebSocket.CONNECTING || !wasOpen) listener.failed(null, error.message);
    else options.logger.debug('socket error', { message: error.message });
  });
  ws.on('close', (code, reason) => {
    if (!wasOpen) listener.failed(null, `closed before opening (${code})`);
    else listener.closed(code, reason.toString('utf8'));
  });
  return {
    send(message: WireMessage): void {
      if (ws.readyState !== WebSocket.OPEN) return;
      ws.send(message, { binary: typeof message !== 'string' });
    },
    ping(): void {
      try {
        ws.ping();
      } catch (error) {
        // Only a socket that is not open refuses; its close is on its way and ends the heartbeat.
        options.logger.debug('ping failed', { message: (error as Error).message });
      }
    },
    close(reason: string): void {
      if (ws.readyState === WebSocket.OPEN) ws.close(1000, reason);
      else ws.terminate();
    },
    terminate(): void {
      ws.terminate();
    },
    bufferedAmount(): number {
      return ws.bufferedAmount;
    },
  };
};

/** An HTTP answer instead of the upgrade: the status and the service's reason, read from a bounded body. */
function readRefusal(
  req: { destroy(): void },
  res: IncomingMessage,
  failed: (status: number | null, detail: string) => void,
): void {
  const status = res.statusCode ?? null;
  const headerDetail = res.headers['dg-error'];
  const chunks: Buffer[] = [];
  let size = 0;
  res.on('data', (chunk: Buffer) => {
    if (size < 2048) chunks.push(chunk);
    size += chunk.length;
  });
  const finish = (): void => {
    const body = Buffer.concat(chunks).toString('utf8').slice(0, 300).trim();
    const detail = typeof headerDetail === 'string' ? headerDetail : extractMessage(body);
    failed(status, detail);
    req.destroy();
  };
  res.on('end', finish);
  res.on('error', finish);
}

function toBuffer(data: WebSocket.RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

/**
 * The service's own error message from a JSON error body (OpenAI `error.message`, `error`,
 * `message`, Deepgram `err_msg`), or nothing: any other body (a proxy's or captive portal's
 * HTML, an unknown server's text) is never shown, since it may be anything at all.
 */
function extractMessage(body: string): string {
  let parsed: { error?: { message?: unknown } | string; message?: unknown; err_msg?: unknown } | null;
  try {
    parsed = JSON.parse(body) as typeof parsed;
  } catch {
    return '';
  }
  if (typeof parsed !== 'object' || parsed === null) return '';
  if (typeof parsed.error === 'object' && typeof parsed.error.message === 'string') return parsed.error.message;
  if (typeof parsed.error === 'string') return parsed.error;
  if (typeof parsed.message === 'string') return parsed.message;
  if (typeof parsed.err_msg === 'string') return parsed.err_msg;
  return '';
}
