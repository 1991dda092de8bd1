import type { ModelKind } from '../../shared/models.ts';

/**
 * Where a download's sha256 and exact size come from.
 * - `github-asset-digest`: the digest GitHub publishes for the release asset
 *   (`api.github.com/repos/k2-fsa/sherpa-onnx/releases/assets/<id>`, field `digest`).
 * - `independent-records`: GitHub publishes no digest for this asset (it predates asset
 *   digests); several unrelated public projects that downloaded the official asset record
 *   the same sha256 and the same byte count. Not the publisher's word, but not a guess:
 *   any different byte is still refused.
 */
export type ChecksumSource = 'github-asset-digest' | 'independent-records';

export interface Checksum {
  readonly sha256: string;
  readonly source: ChecksumSource;
  /** Where the digest and the size were found (URLs), for a person auditing the catalog. */
  readonly evidence: string;
}

/**
 * The models Earshot can download: sherpa-onnx's own release archives. Over 300 lines because
 * it is one table of data, each entry with its size, digest and where they were found. An entry is offered
 * for download only with a `checksum`; then `sizeBytes` is exact too, and both are checked
 * before anything is unpacked. An entry without one is listed but not downloaded
 * (MODEL_UNVERIFIED); a copy already installed or bundled keeps working.
 */

/** A file the catalog downloads, with what is publicly known to check it by. */
export interface PublishedFile {
  readonly url: string;
  /** Bytes of the download: exact when `checksum` is set, an estimate for display otherwise. */
  readonly sizeBytes: number;
  readonly checksum: Checksum | null;
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

/**
 * Why an entry is not offered, or null when it is. Only the publisher's own digest counts:
 * a sha256 that other projects agree on (`independent-records`) proves they all downloaded
 * the same bytes, not that those bytes are the ones sherpa-onnx published, so such an entry
 * is listed (an installed copy keeps working) but not downloaded.
 */
export function notOfferedReason(entry: { readonly checksum: Checksum | null }): string | null {
  if (!entry.checksum)
    return 'no verified checksum is known for this file, so Earshot could not tell a damaged or substituted download from the real one.';
  if (entry.checksum.source !== 'github-asset-digest')
    return 'its publisher lists no checksum for this file (only other projects do), so Earshot does not download it; choose another model, or install a copy you trust by hand.';
  return null;
}

const RELEASE = 'https://github.com/k2-fsa/sherpa-onnx/releases/download/asr-models';
const ASSET_API = 'https://api.github.com/repos/k2-fsa/sherpa-onnx/releases/assets';
/** The release page whose asset list carries each asset's size and (for newer assets) digest. */
const RELEASE_PAGE = 'https://github.com/k2-fsa/sherpa-onnx/releases/tag/asr-models';

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
/** Banafo's Kroko community model, as sherpa-onnx republished it (fp32, zipformer2). */
const KROKO = 'sherpa-onnx-streaming-zipformer-en-kroko-2025-08-06';
const KROKO_FILES = ['encoder.onnx', 'decoder.onnx', 'joiner.onnx', 'tokens.txt'] as const;
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
    id: 'kroko-en-streaming',
    name: 'Kroko streaming Zipformer (English)',
    manifestName: 'Kroko streaming Zipformer (English)',
    kind: 'online',
    archiveRoot: KROKO,
    sizeBytes: 57_267_600,
    checksum: {
      sha256: 'c8676e5ff9ac2a85296e53ee0fd4d5fb1db6770e7a7647166eeafe349ade6834',
      source: 'github-asset-digest',
      evidence:
        `GitHub's sha256 digest for the release asset ${KROKO}.tar.bz2 on ${RELEASE_PAGE} (uploaded August 2025; ` +
        'GitHub publishes a digest for every asset uploaded since June 2025), with its size of 57,267,600 bytes, as ' +
        'recorded by more than five unrelated public projects that verify the download (found with a public code search).',
    },
    license: 'CC-BY-SA-4.0',
    description: 'Real-time streaming recognizer with casing and punctuation: words appear as you speak. The default.',
    isDefault: true,
    files: KROKO_FILES,
    sherpa: {
      ...transducer(KROKO_FILES[0], KROKO_FILES[1], KROKO_FILES[2], { modelType: 'zipformer2' }),
      rule1MinTrailingSilence: 2.4,
      rule2MinTrailingSilence: 0.8,
      rule3MinUtteranceLength: 20,
    },
  }),
  releaseModel({
    id: 'zipformer-en-streaming',
    name: 'Streaming Zipformer (English)',
    manifestName: 'Streaming Zipformer (English)',
    kind: 'online',
    archiveRoot: ZIPFORMER,
    sizeBytes: 310_414_022,
    checksum: {
      sha256: '639e25b578e9e997131402199419c13a941f8e4e198e2da1ce57dbf5cf401282',
      source: 'independent-records',
      evidence:
        `Size 310,414,022 bytes as GitHub lists it for asset 191971614 (${ASSET_API}/191971614, ${RELEASE_PAGE}); ` +
        'GitHub publishes no digest for this 2023 asset. The sha256 is the one recorded, with that same size, by ' +
        'at least five unrelated public projects that downloaded the official archive (found with a public code search).',
    },
    license: 'Apache-2.0',
    description: 'The 2023 streaming recognizer (no casing or punctuation). Not offered: no publisher checksum.',
    isDefault: false,
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
    sizeBytes: 107_600_538,
    checksum: {
      sha256: 'd5fe6ec4334fef36255b2a4010412cad4c007e33103fec62fb5d17cad88086f2',
      source: 'independent-records',
      evidence:
        `GitHub publishes no digest for this 2024 asset (${RELEASE_PAGE}). The sha256 is the one pinned by more than ` +
        'eight unrelated public projects for the official archive, four of which also record its exact size, 107,600,538 bytes.',
    },
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
    sizeBytes: 250_807_309,
    checksum: {
      sha256: '21870cecaa2e44e4e2bf63e02d1072bed183ccd10284871353bd9d24dad14e5e',
      source: 'independent-records',
      evidence:
        `GitHub publishes no digest for this 2024 asset (${RELEASE_PAGE}). The sha256 is the one pinned by more than ` +
        'six unrelated public projects for the official archive, two of which also record its exact size, 250,807,309 bytes.',
    },
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
    sizeBytes: 482_468_385,
    checksum: {
      sha256: '157c157bc51155e03e37d2466522a3a737dd9c72bb25f36eb18912964161e1ad',
      source: 'github-asset-digest',
      evidence:
        `GitHub's digest and size for release asset 283097678 (${ASSET_API}/283097678), as recorded by public projects ` +
        'that check it; the same digest and size, 482,468,385 bytes, are pinned by several more.',
    },
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
    checksum: {
      sha256: '5793d0fd397c5778d2cf2126994d58e9d56b1be7c04d13c7a15bb1b4eafb16bf',
      source: 'github-asset-digest',
      evidence:
        `GitHub's asset digest on ${RELEASE_PAGE}, as recorded by public projects that verified it against the ` +
        'release asset; the same digest and size, 487,170,055 bytes, are pinned by several more.',
    },
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
  sizeBytes: 643_854,
  checksum: {
    sha256: '9e2449e1087496d8d4caba907f23e0bd3f78d91fa552479bb9c23ac09cbb1fd6',
    source: 'github-asset-digest',
    evidence:
      `GitHub's digest and size (643,854 bytes) for release asset 271935959 (${ASSET_API}/271935959), ` +
      'as a public review recorded from that API answer.',
  },
  license: 'MIT',
};

export function defaultCatalogEntry(catalog: readonly CatalogEntry[] = MODEL_CATALOG): CatalogEntry {
  return catalog.find((m) => m.isDefault) ?? catalog[0]!;
}
