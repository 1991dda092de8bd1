import type { ModelKind } from '../../shared/models.ts';

/**
 * The models Earshot can download: sherpa-onnx's own release archives. Sizes and sha256
 * sums come from public records of these exact assets (noted per entry); where no
 * published sha256 could be found the entry says so, and the download is then checked
 * by its exact size (when known) and the archive's own bzip2 CRCs during extraction.
 */

/** A file the catalog downloads, with what is publicly known to check it by. */
export interface PublishedFile {
  readonly url: string;
  /** Bytes of the download. */
  readonly sizeBytes: number;
  /** False when `sizeBytes` is an estimate (then only the server's length is checked). */
  readonly sizeExact: boolean;
  /** null when no published sum was found; `checksumNote` then says so. */
  readonly sha256: string | null;
  readonly checksumNote?: string;
  readonly license: string;
}

export interface CatalogEntry extends PublishedFile {
  readonly id: string;
  readonly name: string;
  readonly kind: ModelKind;
  readonly language: string;
  readonly description: string;
  readonly isDefault: boolean;
  readonly archive: 'tar.bz2';
  /** The folder the archive unpacks into (its contents become the model folder). */
  readonly archiveRoot: string;
  /** The `earshot-model.json` written into the installed folder. */
  readonly manifest: Readonly<Record<string, unknown>>;
}

/** A single-file asset (the VAD): installed as `<modelsDir>/<id>/<fileName>`. */
export interface AssetEntry extends PublishedFile {
  readonly id: string;
  readonly fileName: string;
}

const RELEASE = 'https://github.com/k2-fsa/sherpa-onnx/releases/download/asr-models';

const transducer = (
  encoder: string,
  decoder: string,
  joiner: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> => ({
  modelConfig: { transducer: { encoder, decoder, joiner }, tokens: 'tokens.txt', ...extra },
  decodingMethod: 'greedy_search',
});

const moonshine = (): Record<string, unknown> => ({
  modelConfig: {
    moonshine: {
      preprocessor: 'preprocess.onnx',
      encoder: 'encode.int8.onnx',
      uncachedDecoder: 'uncached_decode.int8.onnx',
      cachedDecoder: 'cached_decode.int8.onnx',
    },
    tokens: 'tokens.txt',
  },
});

const manifest = (
  name: string,
  kind: ModelKind,
  license: string,
  source: string,
  files: readonly string[],
  sherpa: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): Record<string, unknown> => ({
  name,
  kind,
  purpose: 'transcription',
  language: 'en',
  sampleRate: 16000,
  needsVad: kind === 'offline',
  license,
  source,
  files: [...files],
  sherpa,
  ...extra,
});

const ZIPFORMER = 'sherpa-onnx-streaming-zipformer-en-2023-06-26';
const ZIP_FILES = [
  'encoder-epoch-99-avg-1-chunk-16-left-128.int8.onnx',
  'decoder-epoch-99-avg-1-chunk-16-left-128.onnx',
  'joiner-epoch-99-avg-1-chunk-16-left-128.int8.onnx',
  'tokens.txt',
] as const;
const MOONSHINE_FILES = [
  'preprocess.onnx',
  'encode.int8.onnx',
  'uncached_decode.int8.onnx',
  'cached_decode.int8.onnx',
  'tokens.txt',
];
const PARAKEET_FILES = ['encoder.int8.onnx', 'decoder.int8.onnx', 'joiner.int8.onnx', 'tokens.txt'];
const PARAKEET_SHERPA = transducer('encoder.int8.onnx', 'decoder.int8.onnx', 'joiner.int8.onnx', {
  modelType: 'nemo_transducer',
});

/** What a catalog model says of itself; its address, archive and manifest follow from it. */
interface ReleaseModel extends Omit<CatalogEntry, 'language' | 'url' | 'archive' | 'manifest'> {
  /** The model's name in its manifest (the catalog's `name` adds the quantization). */
  readonly manifestName: string;
  readonly files: readonly string[];
  readonly sherpa: Record<string, unknown>;
  /** Manifest fields beyond the common ones (the recognizer's output frame length). */
  readonly manifestExtra?: Record<string, unknown>;
}

/**
 * An English model from sherpa-onnx's `asr-models` release: the archive is named after the
 * folder it unpacks into, and the manifest names the archive as its source.
 */
function releaseModel({ manifestName, files, sherpa, manifestExtra, ...model }: ReleaseModel): CatalogEntry {
  const url = `${RELEASE}/${model.archiveRoot}.tar.bz2`;
  return {
    ...model,
    language: 'en',
    url,
    archive: 'tar.bz2',
    manifest: manifest(manifestName, model.kind, model.license, url, files, sherpa, manifestExtra),
  };
}

export const MODEL_CATALOG: readonly CatalogEntry[] = [
  releaseModel({
    id: 'zipformer-en-streaming',
    name: 'Streaming Zipformer (English)',
    manifestName: 'Streaming Zipformer (English)',
    kind: 'online',
    archiveRoot: ZIPFORMER,
    sizeBytes: 201_336_340,
    sizeExact: false,
    sha256: null,
    checksumNote:
      'No published sha256 for this archive was found in public sources (the release page lists none); the size is a public estimate. ' +
      'Verified by bzip2 CRCs during extraction and by loading the files.',
    license: 'Apache-2.0',
    description: 'Real-time streaming recognizer: words appear as you speak. The default.',
    isDefault: true,
    files: ZIP_FILES,
    sherpa: {
      ...transducer(ZIP_FILES[0], ZIP_FILES[1], ZIP_FILES[2]),
      rule1MinTrailingSilence: 2.4,
      rule2MinTrailingSilence: 0.8,
      rule3MinUtteranceLength: 20,
    },
  }),
  releaseModel({
    id: 'moonshine-tiny-en',
    name: 'Moonshine tiny (English, int8)',
    manifestName: 'Moonshine tiny (English)',
    kind: 'offline',
    archiveRoot: 'sherpa-onnx-moonshine-tiny-en-int8',
    sizeBytes: 107_600_000,
    sizeExact: false,
    sha256: 'd5fe6ec4334fef36255b2a4010412cad4c007e33103fec62fb5d17cad88086f2',
    checksumNote: 'sha256 as pinned by two independent public projects for this asset; size about 107.6 MB.',
    license: 'MIT',
    description: 'Small and fast; text settles when you pause.',
    isDefault: false,
    files: MOONSHINE_FILES,
    sherpa: moonshine(),
    manifestExtra: { outputFrameMs: 40 },
  }),
  releaseModel({
    id: 'moonshine-base-en',
    name: 'Moonshine base (English, int8)',
    manifestName: 'Moonshine base (English)',
    kind: 'offline',
    archiveRoot: 'sherpa-onnx-moonshine-base-en-int8',
    sizeBytes: 274_000_000,
    sizeExact: false,
    sha256: null,
    checksumNote:
      'No published sha256 or exact size for this archive was found in public sources; verified by bzip2 CRCs during extraction.',
    license: 'MIT',
    description: 'More accurate than tiny, still light.',
    isDefault: false,
    files: MOONSHINE_FILES,
    sherpa: moonshine(),
    manifestExtra: { outputFrameMs: 40 },
  }),
  releaseModel({
    id: 'parakeet-tdt-0.6b-v2-int8',
    name: 'Parakeet TDT 0.6B v2 (English, int8)',
    manifestName: 'Parakeet TDT 0.6B v2 (English)',
    kind: 'offline',
    archiveRoot: 'sherpa-onnx-nemo-parakeet-tdt-0.6b-v2-int8',
    sizeBytes: 482_000_000,
    sizeExact: false,
    sha256: null,
    checksumNote:
      'No published sha256 or exact size for this archive was found in public sources; verified by bzip2 CRCs during extraction.',
    license: 'CC-BY-4.0',
    description: 'Highest accuracy for English, with punctuation; needs a fast CPU.',
    isDefault: false,
    files: PARAKEET_FILES,
    sherpa: PARAKEET_SHERPA,
    manifestExtra: { outputFrameMs: 80 },
  }),
  releaseModel({
    id: 'parakeet-tdt-0.6b-v3-int8',
    name: 'Parakeet TDT 0.6B v3 (25 European languages, int8)',
    manifestName: 'Parakeet TDT 0.6B v3',
    kind: 'offline',
    archiveRoot: 'sherpa-onnx-nemo-parakeet-tdt-0.6b-v3-int8',
    sizeBytes: 487_170_055,
    sizeExact: true,
    sha256: '5793d0fd397c5778d2cf2126994d58e9d56b1be7c04d13c7a15bb1b4eafb16bf',
    checksumNote: "Size and sha256 from the release's checksum list as recorded by independent public projects.",
    license: 'CC-BY-4.0',
    description: 'Parakeet v3: English plus 24 European languages, with punctuation.',
    isDefault: false,
    files: PARAKEET_FILES,
    sherpa: PARAKEET_SHERPA,
    manifestExtra: { outputFrameMs: 80 },
  }),
];

export const VAD_ASSET: AssetEntry = {
  id: 'silero-vad',
  url: `${RELEASE}/silero_vad.onnx`,
  fileName: 'silero_vad.onnx',
  sizeBytes: 629_077,
  sizeExact: false,
  sha256: '9e2449e1087496d8d4caba907f23e0bd3f78d91fa552479bb9c23ac09cbb1fd6',
  checksumNote: 'sha256 as pinned by a public project for this asset (about 0.6 MB).',
  license: 'MIT',
};

export function defaultCatalogEntry(catalog: readonly CatalogEntry[] = MODEL_CATALOG): CatalogEntry {
  return catalog.find((m) => m.isDefault) ?? catalog[0]!;
}
