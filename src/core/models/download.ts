import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { EarshotError } from '../../shared/errors.ts';
import { createLogger } from '../../platform/log/logger.ts';
import { fetchInto, NotTheFile, type DownloadOptions } from './fetch-into.ts';

export type { DownloadOptions, FetchLike } from './fetch-into.ts';

const log = createLogger('model-download');

/**
 * Downloads `url` into `partPath`, resuming from what is already there, then checks the
 * exact size and the sha256.
 *
 * A connection that drops or stalls keeps its `.part`, so the next attempt resumes. A
 * response that is not the file (an HTML sign-in page, the wrong size, a refused or
 * mismatched resume, a resumed file whose checksum fails) deletes the `.part` and starts
 * once more from zero; a second such response fails with MODEL_DOWNLOAD_REJECTED. A file
 * downloaded whole that fails its checksum is deleted: MODEL_CHECKSUM_MISMATCH.
 */
export async function downloadFile(options: DownloadOptions): Promise<void> {
  try {
    await attempt(options);
  } catch (error) {
    if (!(error instanceof NotTheFile)) throw error;
    log.warn(`${options.url}: ${error.message}; deleting the partial download and starting from zero`);
    await rm(options.partPath, { force: true });
    try {
      await attempt(options);
    } catch (again) {
      if (!(again instanceof NotTheFile)) throw again;
      await rm(options.partPath, { force: true });
      throw new EarshotError(
        'MODEL_DOWNLOAD_REJECTED',
        `The server did not send the model file ${options.url}: ${again.message}. The partial download was deleted. ` +
          'If you are on a public Wi-Fi network, sign in to it in your browser, then download again.',
      );
    }
  }
}

async function attempt(options: DownloadOptions): Promise<void> {
  const fetchImpl = options.fetch ?? ((url, init) => fetch(url, init));
  let have = await sizeOf(options.partPath);
  if (have > options.expectedBytes) {
    await rm(options.partPath, { force: true });
    have = 0;
  }
  if (have < options.expectedBytes) await fetchInto(fetchImpl, options, have);
  const size = await sizeOf(options.partPath);
  if (size !== options.expectedBytes) {
    throw new NotTheFile(`the download has ${size} bytes, not the published ${options.expectedBytes}`);
  }
  const actual = await sha256File(options.partPath);
  if (actual === options.sha256.toLowerCase()) return;
  // Bytes kept from an earlier attempt may belong to another version of the file.
  if (have > 0) throw new NotTheFile('the resumed download does not match the published checksum');
  await rm(options.partPath, { force: true });
  throw new EarshotError(
    'MODEL_CHECKSUM_MISMATCH',
    `The download of ${options.url} has sha256 ${actual}, expected ${options.sha256}; it was discarded. Download it again.`,
  );
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
