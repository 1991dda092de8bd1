import { EventEmitter } from 'node:events';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EarshotError } from '../../shared/errors.ts';
import {
  defaultSettings,
  settingsPatchSchema,
  settingsSchema,
  type Settings,
  type SettingsPatch,
} from '../../shared/settings.ts';
import { createLogger } from '../../platform/log/logger.ts';
import { isErrno, setAside, writeFileAtomic } from '../../platform/fs/atomic-file.ts';
import { ensurePrivateDir, ensurePrivateFile, PRIVATE_FILE_MODE } from '../../platform/fs/private-files.ts';
import { SerialQueue } from '../../platform/serial-queue.ts';

const log = createLogger('settings');

export const SETTINGS_FILE_NAME = 'settings.json';

interface SettingsEvents {
  /** After a change was saved: the new settings, then the previous ones. */
  change: [Settings, Settings];
}

/**
 * Settings as schema-validated JSON in the user-data folder. Reads never fail: a missing
 * file means defaults; a corrupt or unreadable one is moved aside (never overwritten), its
 * still-valid fields are kept, and `recoveredFrom` says where the original went. Writes are
 * atomic and applied one at a time, so a crash or two quick changes cannot tear the file.
 */
export class SettingsStore extends EventEmitter<SettingsEvents> {
  readonly path: string;
  /** Where a corrupt or unreadable settings file was moved at open, if one was. */
  readonly recoveredFrom: string | null;
  #current: Settings;
  readonly #writes = new SerialQueue();
  /** Set when a bad file could not be moved aside: saving would overwrite it, so we don't. */
  readonly #blockedBy: string | null;

  private constructor(path: string, current: Settings, recoveredFrom: string | null, blockedBy: string | null) {
    super();
    this.path = path;
    this.#current = freeze(current);
    this.recoveredFrom = recoveredFrom;
    this.#blockedBy = blockedBy;
  }

  static async open(dir: string): Promise<SettingsStore> {
    ensurePrivateDir(dir);
    const path = join(dir, SETTINGS_FILE_NAME);
    // Owner-only like everything in the data folder (older builds wrote it 0644).
    ensurePrivateFile(path);
    const loaded = await load(path);
    if (loaded.kind === 'ok') return new SettingsStore(path, loaded.settings, null, null);
    if (loaded.kind === 'missing') return new SettingsStore(path, defaultSettings(), null, null);

    log.warn(`settings file ${path} is unusable (${loaded.problem}); using defaults for what could not be read`);
    let aside: string;
    try {
      aside = await setAside(path);
    } catch (error) {
      log.error(`could not move the unusable settings file aside; changes will not be saved over it`, error);
      return new SettingsStore(path, loaded.settings, null, loaded.problem);
    }
    log.warn(`kept the unusable settings file as ${aside}`);
    const store = new SettingsStore(path, loaded.settings, aside, null);
    try {
      await store.#write(loaded.settings);
    } catch (error) {
      // The recovered settings are in memory; the next successful update saves them.
      log.error(`could not save the recovered settings`, error);
    }
    return store;
  }

  get(): Settings {
    return this.#current;
  }

  /** Applies a partial change (captions merged field by field), saves it, emits `change`. */
  update(patch: SettingsPatch): Promise<Settings> {
    const parsed = settingsPatchSchema.safeParse(patch);
    if (!parsed.success) return Promise.reject(invalid(parsed.error.issues[0]));
    return this.#serialized(async () => {
      const previous = this.#current;
      const merged = settingsSchema.safeParse(merge(previous, parsed.data));
      if (!merged.success) throw invalid(merged.error.issues[0]);
      const next = freeze(merged.data);
      if (JSON.stringify(next) === JSON.stringify(previous)) return previous;
      await this.#write(next);
      this.#current = next;
      this.emit('change', next, previous);
      return next;
    });
  }

  async #write(settings: Settings): Promise<void> {
    if (this.#blockedBy !== null) {
      throw new EarshotError(
        'SETTINGS_WRITE_FAILED',
        `Settings were not saved: ${this.path} is unreadable (${this.#blockedBy}) and could not be moved aside, so Earshot will not overwrite it. Move or delete that file.`,
      );
    }
    try {
      await writeFileAtomic(this.path, `${JSON.stringify(settings, null, 2)}\n`, { mode: PRIVATE_FILE_MODE });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new EarshotError('SETTINGS_WRITE_FAILED', `${ERROR_SAVE_PREFIX} ${this.path}: ${reason}`, { cause: error });
    }
  }

  #serialized<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#writes.run(task);
    // The caller gets the failure through `run`; the log keeps a trace even if it drops it.
    run.catch((error: unknown) => log.debug('settings update failed', error));
    return run;
  }
}

const ERROR_SAVE_PREFIX = 'Your settings could not be saved to';

type Loaded =
  { kind: 'ok'; settings: Settings } | { kind: 'missing' } | { kind: 'bad'; settings: Settings; problem: string };

async function load(path: string): Promise<Loaded> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return { kind: 'missing' };
    return { kind: 'bad', settings: defaultSettings(), problem: `unreadable: ${describe(error)}` };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    return { kind: 'bad', settings: defaultSettings(), problem: `not JSON: ${describe(error)}` };
  }
  const parsed = settingsSchema.safeParse(raw);
  if (parsed.success) return { kind: 'ok', settings: parsed.data };
  const issue = parsed.error.issues[0];
  const problem = `invalid at "${issue?.path.join('.') ?? ''}": ${issue?.message ?? 'invalid'}`;
  return { kind: 'bad', settings: salvage(raw), problem };
}

/** Keeps every field that is still valid on its own; the rest fall back to defaults. */
function salvage(raw: unknown): Settings {
  if (!isPlainObject(raw)) return defaultSettings();
  const kept: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(settingsSchema.shape)) {
    if (key === 'version' || !(key in raw)) continue;
    if (schema.safeParse(raw[key]).success) kept[key] = raw[key];
  }
  const captions = raw['captions'];
  if (isPlainObject(captions) && !('captions' in kept)) {
    const inner: Record<string, unknown> = {};
    for (const [key, schema] of Object.entries(settingsSchema.shape.captions.unwrap().shape)) {
      if (key in captions && schema.safeParse(captions[key]).success) inner[key] = captions[key];
    }
    kept['captions'] = inner;
  }
  const result = settingsSchema.safeParse(kept);
  return result.success ? result.data : defaultSettings();
}

function merge(current: Settings, patch: SettingsPatch): unknown {
  const defined = Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined));
  const captions = patch.captions
    ? { ...current.captions, ...Object.fromEntries(Object.entries(patch.captions).filter(([, v]) => v !== undefined)) }
    : current.captions;
  return { ...current, ...defined, captions };
}

function invalid(issue: { path: PropertyKey[]; message: string } | undefined): EarshotError {
  const where = issue && issue.path.length > 0 ? ` "${issue.path.map(String).join('.')}"` : '';
  return new EarshotError(
    'SETTINGS_INVALID',
    `The setting${where} cannot be saved: ${issue?.message ?? 'invalid value'}.`,
  );
}

function freeze(settings: Settings): Settings {
  Object.freeze(settings.captions);
  return Object.freeze(settings);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
