import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, rm, stat } from 'node:fs/promises';
import { EarshotError } from '../../shared/errors.ts';

export type FetchLike = (
  url: string,
  init: { headers: Record<string, string>; signal: AbortSignal },
) => Promise<Response>;

export interface DownloadOptions {
  readonly url: string;
  /** The `.part` file; an existing one is resumed with an HTTP Range request. */
  readonly partPath: string;
  /** Exact size when known: a download that ends short or long is refused. */
  readonly expectedBytes?: number | undefined;
  readonly sha256?: string | null | undefined;
  readonly signal: AbortSignal;
  readonly fetch?: FetchLike;
  /** A response that delivers nothing for this long is abandoned (a server that stops mid-way). */
  readonly stallTimeoutMs?: number;
  onProgress(receivedBytes: number, totalBytes: number): void;
}

/**
 * Downloads `url` into `partPath`, resuming from what is already there, then checks size
 * and sha256. A failed or interrupted download keeps its `.part` (so the next attempt
 * resumes); a checksum mismatch deletes it (the bytes are wrong, resuming cannot help).
 */
export async function downloadFile(options: DownloadOptions): Promise<void> {
  const fetchImpl = options.fetch ?? ((url, init) => fetch(url, init));
  let have = await sizeOf(options.partPath);
  if (options.expectedBytes !== undefined && have > options.expectedBytes) {
    await rm(options.partPath, { force: true });
    have = 0;
  }
  if (options.expectedBytes === undefined || have < options.expectedBytes) {
    await fetchInto(fetchImpl, options, have);
  }
  const size = await sizeOf(options.partPath);
  if (options.expectedBytes !== undefined && size !== options.expectedBytes) {
    await rm(options.partPath, { force: true });
    throw new EarshotError(
      'MODEL_CHECKSUM_MISMATCH',
      `The download of ${options.url} has ${size} bytes, not the expected ${options.expectedBytes}; it was discarded.`,
    );
  }
  if (options.sha256) {
    const actual = await sha256File(options.partPath);
    if (actual !== options.sha256.toLowerCase()) {
      await rm(options.partPath, { force: true });
      throw new EarshotError(
        'MODEL_CHECKSUM_MISMATCH',
        `The download of ${options.url} has sha256 ${actual}, expected ${options.sha256}; it was discarded. Download it again.`,
      );
    }
  }
}

async function fetchInto(fetchImpl: FetchLike, options: DownloadOptions, have: number): Promise<void> {
  const stall = new AbortController();
  const signal = AbortSignal.any([options.signal, stall.signal]);
  const stallMs = options.stallTimeoutMs ?? 30_000;
  let stallTimer = setTimeout(() => stall.abort(), stallMs);
  const kick = (): void => {
    clearTimeout(stallTimer);
    stallTimer = setTimeout(() => stall.abort(), stallMs);
  };
  let response: Response;
  try {
    response = await fetchImpl(options.url, { headers: have > 0 ? { Range: `bytes=${have}-` } : {}, signal });
  } catch (error) {
    clearTimeout(stallTimer);
    throw failure(options, error, stall.signal.aborted, stallMs);
  }
  let offset = have;
  if (response.status === 206) {
    const range = /bytes (\d+)-/.exec(response.headers.get('content-range') ?? '');
    if (!range || Number(range[1]) !== have) {
      clearTimeout(stallTimer);
      await response.body?.cancel();
      throw new EarshotError(
        'MODEL_DOWNLOAD_FAILED',
        `The server answered the resume request for ${options.url} with the wrong range; try again.`,
      );
    }
  } else if (response.status === 200) {
    offset = 0; // The server ignored the Range header: start over.
  } else if (response.status === 416 && options.expectedBytes === undefined) {
    clearTimeout(stallTimer);
    await response.body?.cancel();
    return; // Already complete.
  } else {
    clearTimeout(stallTimer);
    await response.body?.cancel();
    throw new EarshotError(
      'MODEL_DOWNLOAD_FAILED',
      `The server answered ${response.status} for ${options.url}. Try again later.`,
    );
  }
  const length = Number(response.headers.get('content-length') ?? NaN);
  const total = options.expectedBytes ?? (Number.isFinite(length) ? offset + length : 0);
  const file = await open(options.partPath, offset === 0 ? 'w' : 'a');
  let received = offset;
  try {
    if (!response.body) throw new EarshotError('MODEL_DOWNLOAD_FAILED', `The server sent no data for ${options.url}.`);
    options.onProgress(received, total);
    for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
      kick();
      await file.write(chunk);
      received += chunk.byteLength;
      options.onProgress(received, total);
    }
  } catch (error) {
    throw failure(options, error, stall.signal.aborted, stallMs);
  } finally {
    clearTimeout(stallTimer);
    await file.close();
  }
  if (Number.isFinite(length) && received !== offset + length) {
    throw new EarshotError(
      'MODEL_DOWNLOAD_FAILED',
      `The download of ${options.url} ended after ${received} of ${offset + length} bytes; it resumes from there next time.`,
    );
  }
}

function failure(options: DownloadOptions, error: unknown, stalled: boolean, stallMs: number): EarshotError {
  if (error instanceof EarshotError) return error;
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

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
