import { z } from 'zod';

/** The manifest every model directory carries (see ../shared/models/README.md). */
export const MANIFEST_FILE = 'earshot-model.json';

/**
 * True when `path` names something inside the model folder: relative, on any platform
 * (no leading `/` or `\`, no drive letter, no UNC share), with no `..` segment. A manifest
 * travels with downloaded data, so it must never steer the native loader to another file.
 */
export function isConfinedPath(path: string): boolean {
  if (path.length === 0 || path.includes('\0')) return false;
  if (/^[\\/]/.test(path) || /^[A-Za-z]:/.test(path)) return false;
  return !path.split(/[\\/]/).includes('..');
}

const OUTSIDE = 'lies outside the model folder (absolute, or with a ".." segment)';

const confinedPath = z.string().min(1).refine(isConfinedPath, { message: OUTSIDE });

/**
 * The sherpa options hold paths (model files, tokens, hotwords, rule FSTs, an LM) next to
 * plain words ("greedy_search", "nemo_transducer"). Telling them apart by key would miss a
 * key added later, so every string anywhere in the options must be confined: a plain word
 * is a confined relative path too.
 */
function firstUnconfined(value: unknown, at: (string | number)[]): (string | number)[] | null {
  if (typeof value === 'string') return isConfinedPath(value) || value === '' ? null : at;
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) {
      const found = firstUnconfined(v, [...at, i]);
      if (found) return found;
    }
    return null;
  }
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const found = firstUnconfined(v, [...at, k]);
      if (found) return found;
    }
  }
  return null;
}

export const manifestSchema = z.object({
  name: z.string().min(1),
  kind: z.enum(['online', 'offline']),
  purpose: z.string().default('transcription'),
  language: z.string().default('en'),
  sampleRate: z.number().int().positive(),
  needsVad: z.boolean().default(false),
  license: z.string().default('unknown'),
  source: z.string().default(''),
  files: z.array(confinedPath).min(1),
  sherpa: z
    .object({
      featConfig: z.record(z.string(), z.unknown()).optional(),
      modelConfig: z.record(z.string(), z.unknown()),
      decodingMethod: z.string().optional(),
    })
    .loose()
    .superRefine((sherpa, ctx) => {
      const path = firstUnconfined(sherpa, []);
      if (path) ctx.addIssue({ code: 'custom', message: OUTSIDE, path });
    }),
  /** Extension: ms per recognizer output frame, for endpointing from trailing blanks (default 40). */
  outputFrameMs: z.number().positive().optional(),
});

export type ModelManifest = z.infer<typeof manifestSchema>;
