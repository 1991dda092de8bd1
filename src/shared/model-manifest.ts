import { z } from 'zod';

/** The manifest every model directory carries (see ../shared/models/README.md). */
export const MANIFEST_FILE = 'earshot-model.json';

export const manifestSchema = z.object({
  name: z.string().min(1),
  kind: z.enum(['online', 'offline']),
  purpose: z.string().default('transcription'),
  language: z.string().default('en'),
  sampleRate: z.number().int().positive(),
  needsVad: z.boolean().default(false),
  license: z.string().default('unknown'),
  source: z.string().default(''),
  files: z.array(z.string().min(1)).min(1),
  sherpa: z
    .object({
      featConfig: z.record(z.string(), z.unknown()).optional(),
      modelConfig: z.record(z.string(), z.unknown()),
      decodingMethod: z.string().optional(),
    })
    .loose(),
  /** Extension: ms per recognizer output frame, for endpointing from trailing blanks (default 40). */
  outputFrameMs: z.number().positive().optional(),
});

export type ModelManifest = z.infer<typeof manifestSchema>;
