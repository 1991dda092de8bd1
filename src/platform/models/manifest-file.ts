import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, join, normalize, relative, sep } from 'node:path';
import { EarshotError } from '../../shared/errors.ts';
import { MANIFEST_FILE, manifestSchema, type ModelManifest } from '../../shared/model-manifest.ts';

export { MANIFEST_FILE, type ModelManifest };

export interface LoadedModel {
  readonly dir: string;
  readonly manifest: ModelManifest;
  /** The sherpa-onnx recognizer config with every file path made absolute. */
  readonly recognizerConfig: Record<string, unknown>;
}

/** File names inside modelConfig are strings ending in one of these. */
const FILE_PATTERN = /\.(onnx|ort|txt|model|bin|json|fst|far)$/i;

/**
 * Reads and checks `earshot-model.json`: every listed file and every file the sherpa config
 * names must exist inside the directory. Errors name the file at fault, so a person (or the
 * model manager) knows what to fix.
 */
export function loadModelManifest(dir: string, numThreads = 1): LoadedModel {
  const manifestPath = join(dir, MANIFEST_FILE);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new EarshotError(
      'MODEL_MISSING',
      `The model folder ${dir} does not exist. Download a model or pass --model-dir.`,
    );
  }
  if (!existsSync(manifestPath)) {
    throw new EarshotError(
      'MODEL_MISSING',
      `${manifestPath} is missing: the folder is not an Earshot model. Download the model again.`,
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(manifestPath, 'utf8'));
  } catch (error) {
    throw new EarshotError('MODEL_INVALID', `${manifestPath} is not valid JSON (${(error as Error).message}).`);
  }
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue ? issue.path.join('.') || '(root)' : '(root)';
    throw new EarshotError(
      'MODEL_INVALID',
      `${manifestPath}: field "${where}" is invalid (${issue?.message ?? 'unknown'}).`,
    );
  }
  const manifest = parsed.data;
  for (const file of manifest.files) checkedPath(dir, file, manifestPath);

  const modelConfig = resolveFiles(manifest.sherpa.modelConfig, dir, manifestPath) as Record<string, unknown>;
  const recognizerConfig: Record<string, unknown> = {
    ...manifest.sherpa,
    featConfig: { sampleRate: manifest.sampleRate, featureDim: 80, ...manifest.sherpa.featConfig },
    modelConfig: { ...modelConfig, numThreads, provider: 'cpu', debug: 0 },
  };
  if (typeof modelConfig['tokens'] !== 'string') {
    throw new EarshotError('MODEL_INVALID', `${manifestPath}: sherpa.modelConfig.tokens must name the tokens file.`);
  }
  return { dir, manifest, recognizerConfig };
}

/**
 * The schema already refuses absolute and `..` paths; this second look, on the real file
 * system, also catches a symbolic link inside the folder that points out of it.
 */
function checkedPath(dir: string, file: string, manifestPath: string): string {
  const outside = (): EarshotError =>
    new EarshotError('MODEL_INVALID', `${manifestPath} names "${file}", which lies outside the model folder.`);
  const clean = normalize(file);
  if (isAbsolute(clean) || escapes(clean)) throw outside();
  const full = join(dir, clean);
  if (!existsSync(full))
    throw new EarshotError('MODEL_MISSING', `The model file ${full} is missing. Download the model again.`);
  if (escapes(relative(realpathSync(dir), realpathSync(full)))) throw outside();
  if (statSync(full).size === 0)
    throw new EarshotError('MODEL_INVALID', `The model file ${full} is empty. Download the model again.`);
  return full;
}

function resolveFiles(value: unknown, dir: string, manifestPath: string): unknown {
  if (typeof value === 'string') return FILE_PATTERN.test(value) ? checkedPath(dir, value, manifestPath) : value;
  if (Array.isArray(value)) return value.map((v) => resolveFiles(v, dir, manifestPath));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveFiles(v, dir, manifestPath)]));
  }
  return value;
}

function escapes(relativePath: string): boolean {
  return relativePath === '..' || relativePath.startsWith(`..${sep}`) || isAbsolute(relativePath);
}
