/**
 * Packaging step: puts the default model (and the Silero VAD when the model needs it) into
 * `resources/models/` so electron-builder's `extraResources` ships it inside the installers
 * and the app works offline on first launch. Uses the model manager, so the download is
 * resumable and checked exactly as in the app: a catalog entry without a verified checksum
 * is refused, and every file (a local --archive or --vad copy too) must match the catalog's
 * published size and sha256, or nothing is bundled.
 *
 *   node build/fetch-default-model.ts [--model ID] [--out DIR] [--archive FILE] [--vad FILE]
 *
 * --archive installs from a local copy of the release archive (an offline build machine);
 * --vad copies a local silero_vad.onnx instead of downloading it.
 * Progress goes to stderr; the last stdout line is JSON: {"model": id, "dir": …, "vad": …}.
 */
import { copyFile, mkdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { MODEL_CATALOG, VAD_ASSET, defaultCatalogEntry, notOfferedReason } from '../src/core/models/catalog.ts';
import { sha256File, type FetchLike } from '../src/core/models/download.ts';
import { ModelManager } from '../src/core/models/model-manager.ts';
import { VAD_FILE } from '../src/platform/models/vad-model.ts';

const { values } = parseArgs({
  options: {
    model: { type: 'string' },
    out: { type: 'string', default: join(import.meta.dirname, '..', 'resources', 'models') },
    archive: { type: 'string' },
    vad: { type: 'string' },
  },
});

const entry = values.model ? MODEL_CATALOG.find((m) => m.id === values.model) : defaultCatalogEntry();
if (!entry) {
  process.stderr.write(
    `error[USAGE]: unknown model "${values.model}". Known: ${MODEL_CATALOG.map((m) => m.id).join(', ')}\n`,
  );
  process.exit(2);
}
const fail = (code: string, message: string): never => {
  process.stderr.write(`error[${code}]: ${message}\n`);
  process.exit(1);
};
const unverified = notOfferedReason(entry);
if (unverified) fail('MODEL_UNVERIFIED', `${entry.id}: ${unverified} Installers bundle only verified models.`);
const out = resolve(values.out);
await mkdir(out, { recursive: true });

if (values.vad) {
  const vad = resolve(values.vad);
  const expected = VAD_ASSET.checksum;
  if (!expected) fail('MODEL_UNVERIFIED', `${VAD_ASSET.url}: ${notOfferedReason(VAD_ASSET)}`);
  const [size, sha256] = [(await stat(vad)).size, await sha256File(vad)];
  if (size !== VAD_ASSET.sizeBytes || sha256 !== expected?.sha256) {
    fail(
      'MODEL_CHECKSUM_MISMATCH',
      `${vad} has ${size} bytes and sha256 ${sha256}; the published ${VAD_FILE} has ${VAD_ASSET.sizeBytes} bytes and sha256 ${expected?.sha256}.`,
    );
  }
  await mkdir(join(out, 'silero-vad'), { recursive: true });
  await copyFile(vad, join(out, 'silero-vad', VAD_FILE));
}

/** Serves a local archive as if it were the release URL (checksum and extraction unchanged). */
const localArchive = (path: string): FetchLike => {
  return async (url) => {
    if (url !== entry.url) return fetch(url);
    const body = await readFile(path);
    return new Response(body, {
      status: 200,
      headers: { 'content-length': String(body.length), 'content-type': 'application/octet-stream' },
    });
  };
};

const manager = new ModelManager({
  modelsDir: out,
  ...(values.archive ? { fetch: localArchive(resolve(values.archive)) } : {}),
});
let lastPercent = -1;
manager.on('progress', (p) => {
  const percent = p.totalBytes > 0 ? Math.floor((100 * p.receivedBytes) / p.totalBytes) : 0;
  if (p.phase !== 'downloading' || percent !== lastPercent)
    process.stderr.write(`${entry.id}: ${p.phase} ${percent}%\n`);
  lastPercent = percent;
});
try {
  await manager.download(entry.id);
} catch (error) {
  const e = error as { code?: string; message: string };
  fail(e.code ?? 'INTERNAL', e.message);
}
process.stdout.write(
  `${JSON.stringify({ model: entry.id, dir: manager.resolve(entry.id), vad: manager.vadModelPath() })}\n`,
);
