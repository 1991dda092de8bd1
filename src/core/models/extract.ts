import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join, normalize, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createRequire } from 'node:module';
import { extract as tarExtract, type Header } from 'tar-stream';
import { EarshotError } from '../../shared/errors.ts';

const require = createRequire(import.meta.url);
const bz2 = require('unbzip2-stream') as () => NodeJS.ReadWriteStream;

/**
 * Unpacks a .tar.bz2 into `destDir`, dropping the leading `stripRoot/` folder. Entries that
 * would land outside `destDir` (absolute paths, `..`) and anything but files and folders
 * are refused: an archive is data from the network.
 */
export async function extractTarBz2(
  archivePath: string,
  destDir: string,
  stripRoot: string,
  onEntry?: (name: string) => void,
): Promise<number> {
  const extractor = tarExtract();
  let files = 0;
  extractor.on('entry', (header: Header, stream, next) => {
    const handle = async (): Promise<void> => {
      const relative = stripped(header.name, stripRoot);
      if (relative === null || header.type === 'symlink' || header.type === 'link') {
        stream.resume();
        return;
      }
      const clean = normalize(relative);
      if (clean.startsWith('..') || clean.startsWith(sep) || clean.includes(`${sep}..${sep}`)) {
        throw new EarshotError(
          'MODEL_INVALID',
          `The archive contains the unsafe path "${header.name}"; it was not installed.`,
        );
      }
      const target = join(destDir, clean);
      if (header.type === 'directory') {
        await mkdir(target, { recursive: true });
        stream.resume();
        return;
      }
      if (header.type !== 'file') {
        stream.resume();
        return;
      }
      await mkdir(dirname(target), { recursive: true });
      await pipeline(stream, createWriteStream(target));
      files++;
      onEntry?.(clean);
    };
    handle().then(
      () => next(),
      (error: unknown) => next(error as Error),
    );
  });
  try {
    await pipeline(createReadStream(archivePath), bz2(), extractor);
  } catch (error) {
    if (error instanceof EarshotError) throw error;
    throw new EarshotError(
      'MODEL_INVALID',
      `The downloaded archive could not be unpacked (${(error as Error).message}). Download it again.`,
    );
  }
  return files;
}

function stripped(name: string, root: string): string | null {
  const path = name.replace(/^\.\//, '');
  if (path === root || path === `${root}/`) return null;
  if (path.startsWith(`${root}/`)) return path.slice(root.length + 1) || null;
  return path || null;
}
