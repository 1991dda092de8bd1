import { open, type FileHandle } from 'node:fs/promises';
import { EarshotError } from '../../shared/errors.ts';
import { createLogger } from '../../platform/log/logger.ts';

const log = createLogger('model-download');

export type FetchLike = (
  url: string,
  init: { headers: Record<string, string>; signal: AbortSignal },
) => Promise<Response>;

export interface DownloadOptions {
  readonly url: string;
  /** The `.part` file; an existing one is resumed with an HTTP Range request. */
  readonly partPath: string;
  /** The published size: a response promising or delivering any other size is refused. */
  readonly expectedBytes: number;
  /** The published sha256 of the whole file. */
  readonly sha256: string;
  /** The bytes the file starts with (`BZh` for a bzip2 archive): anything else is not the file. */
  readonly magic?: string;
  readonly signal: AbortSignal;
  readonly fetch?: FetchLike;
  /** A response that delivers nothing for this long is abandoned (a server that stops mid-way). */
  readonly stallTimeoutMs?: number;
  onProgress(receivedBytes: number, totalBytes: number): void;
}

/**
 * The server answered, but not with the file: a captive portal's page, another size, a
 * refused or mismatched resume. The bytes kept so far cannot be trusted; the caller deletes
 * them and starts from zero.
 */
export class NotTheFile extends Error {
  override readonly name = 'NotTheFile';
}

/** Content types no model file is served as: the answer is a web page or an API error. */
const PAGE_TYPE = /^text\/|html|json|xml/i;
/** Bytes read before judging what the body is. */
const SNIFF_BYTES = 16;

/**
 * One HTTP request: appends the rest of the file to `partPath` (from `have`), or rewrites it
 * from zero when the server ignores the Range header. Throws NotTheFile for an answer that
 * is not the file, and MODEL_DOWNLOAD_FAILED (keeping the `.part`) for one that breaks off.
 */
export async function fetchInto(fetchImpl: FetchLike, options: DownloadOptions, have: number): Promise<void> {
  const stall = new AbortController();
  const signal = AbortSignal.any([options.signal, stall.signal]);
  const stallMs = options.stallTimeoutMs ?? 30_000;
  let stallTimer = setTimeout(() => stall.abort(), stallMs);
  const kick = (): void => {
    clearTimeout(stallTimer);
    stallTimer = setTimeout(() => stall.abort(), stallMs);
  };
  let file: FileHandle | undefined;
  let response: Response | undefined;
  try {
    response = await fetchImpl(options.url, { headers: have > 0 ? { Range: `bytes=${have}-` } : {}, signal });
    const offset = checkResponse(response, options, have);
    const length = Number(response.headers.get('content-length') ?? NaN);
    if (!response.body) throw new EarshotError('MODEL_DOWNLOAD_FAILED', `The server sent no data for ${options.url}.`);
    file = await open(options.partPath, offset === 0 ? 'w' : 'a');
    let received = offset;
    let head: Uint8Array | null = offset === 0 ? new Uint8Array(0) : null;
    options.onProgress(received, options.expectedBytes);
    for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
      kick();
      received += chunk.byteLength;
      if (received > options.expectedBytes) {
        throw new NotTheFile(`the server sent more than the published ${options.expectedBytes} bytes`);
      }
      if (head) {
        // Judge the start of the body before any of it lands in the file.
        head = concat(head, chunk);
        if (head.byteLength < SNIFF_BYTES && received < options.expectedBytes) continue;
        checkHead(head, options.magic);
        await file.write(head);
        head = null;
      } else {
        await file.write(chunk);
      }
      options.onProgress(received, options.expectedBytes);
    }
    if (head) {
      checkHead(head, options.magic);
      await file.write(head);
    }
    if (Number.isFinite(length) && received !== offset + length) {
      throw new EarshotError(
        'MODEL_DOWNLOAD_FAILED',
        `The download of ${options.url} ended after ${received} of ${offset + length} bytes; it resumes from there next time.`,
      );
    }
  } catch (error) {
    // Release the connection; a body that already failed may refuse to cancel, which changes nothing.
    await response?.body?.cancel().catch((reason: unknown) => log.debug('response body not cancelled', reason));
    throw failure(options, error, stall.signal.aborted, stallMs);
  } finally {
    clearTimeout(stallTimer);
    await file?.close();
  }
}

/** The offset the body starts at; NotTheFile when the answer cannot be the file's bytes. */
function checkResponse(response: Response, options: DownloadOptions, have: number): number {
  const expected = options.expectedBytes;
  if (response.status === 416) {
    throw new NotTheFile(`the server refused to resume at byte ${have} (416): the partial download does not match`);
  }
  if (response.status !== 200 && response.status !== 206) {
    throw new EarshotError(
      'MODEL_DOWNLOAD_FAILED',
      `The server answered ${response.status} for ${options.url}. Try again later.`,
    );
  }
  const type = response.headers.get('content-type') ?? '';
  if (PAGE_TYPE.test(type)) {
    throw new NotTheFile(`it answered with a web page (${type.split(';')[0]}), perhaps a Wi-Fi sign-in page`);
  }
  const length = Number(response.headers.get('content-length') ?? NaN);
  if (response.status === 206) {
    const range = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(response.headers.get('content-range')?.trim() ?? '');
    const total = range?.[3] === '*' ? expected : Number(range?.[3]);
    if (!range || Number(range[1]) !== have || total !== expected) {
      throw new NotTheFile(
        `its answer to the resume request (${response.headers.get('content-range') ?? 'no range'}) does not continue the partial download`,
      );
    }
    if (Number.isFinite(length) && have + length !== expected) {
      throw new NotTheFile(`it offered ${have + length} bytes in all, not the published ${expected}`);
    }
    return have;
  }
  // 200: the whole file, from zero (a server may ignore the Range header).
  if (Number.isFinite(length) && length !== expected) {
    throw new NotTheFile(`it offered ${length} bytes, not the published ${expected}`);
  }
  return 0;
}

function checkHead(head: Uint8Array, magic: string | undefined): void {
  const text = new TextDecoder('latin1').decode(head);
  if (text.trimStart().startsWith('<')) throw new NotTheFile('it sent a web page instead of the file');
  if (magic && !text.startsWith(magic)) throw new NotTheFile('what it sent is not the expected kind of file');
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.byteLength + b.byteLength);
  out.set(a, 0);
  out.set(b, a.byteLength);
  return out;
}

function failure(options: DownloadOptions, error: unknown, stalled: boolean, stallMs: number): Error {
  if (error instanceof EarshotError || error instanceof NotTheFile) return error;
  if (options.signal.aborted)
    return new EarshotError('MODEL_DOWNLOAD_FAILED', 'The download was cancelled; it resumes where it stopped.');
  if (stalled)
    return new EarshotError(
      'MODEL_DOWNLOAD_FAILED',
      `The server stopped sending data for ${stallMs / 1000} s; the download resumes where it stopped.`,
    );
  return new EarshotError(
    'MODEL_DOWNLOAD_FAILED',
    `The download of ${options.url} failed (${(error as Error).message}); it resumes where it stopped.`,
  );
}
