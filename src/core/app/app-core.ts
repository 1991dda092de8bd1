import { join } from 'node:path';
import { EarshotError, errorMessage } from '../../shared/errors.ts';
import type { ModelsState } from '../../shared/models.ts';
import { CaptureHost } from '../capture-host/capture-host.ts';
import { beforeDeadline } from '../../platform/deadline.ts';
import { acquireDirLock, type DirLock, type DirLockOptions } from '../../platform/fs/dir-lock.ts';
import { ensurePrivateDir } from '../../platform/fs/private-files.ts';
import { createLogger } from '../../platform/log/logger.ts';
import { QUIT_BUDGET_MS, sessionDeadline } from '../../shared/quit-budget.ts';
import { ModelManager } from '../models/model-manager.ts';
import { keyDestination } from '../secrets/key-destinations.ts';
import { bindKeysToOrigins } from '../secrets/origin-bound-secrets.ts';
import { SettingsStore } from '../settings/settings-store.ts';
import { speakerNames } from '../../shared/settings.ts';
import { openHistory } from '../transcript/history-open.ts';
import { CaptionsController } from './captions-controller.ts';
import { EventHub } from './event-hub.ts';
import { buildHandlerTable } from './handler-table.ts';
import { ProviderResolver } from './provider-resolver.ts';
import { SessionController } from './session-controller.ts';
import type { AppCore, AppCoreOptions, CaptureHandle } from './types.ts';
import type { DeviceInfo } from '../../shared/devices.ts';
import { removeStaleSpillFiles } from '../session/spill-file.ts';

const log = createLogger('app-core');

/** Where each kind of data lives inside the user-data folder. */
export function dataPaths(userDataDir: string): { journals: string; history: string; models: string } {
  return {
    journals: join(userDataDir, 'journals'),
    history: join(userDataDir, 'history.sqlite'),
    models: join(userDataDir, 'models'),
  };
}

/**
 * Assembles the app without a window: settings, capture, models and the embedded engine,
 * the session, history and the captions server, behind one handler table and one event hub.
 * Electron main, `earshot ui` (web bridge) and the end-to-end tests all start here.
 */
export async function createAppCore(options: AppCoreOptions): Promise<AppCore> {
  // First, before anything is read: a second Earshot would seal this one's running journal.
  const lock = acquireDirLock(options.userDataDir, lockOwner(options.transport));
  try {
    return await assembleAppCore(options, lock);
  } catch (error) {
    lock.release();
    throw error;
  }
}

/** How the data-folder lock names this process to a second Earshot, and how to stop it or go elsewhere. */
function lockOwner(transport: AppCoreOptions['transport']): DirLockOptions {
  return transport === 'ipc'
    ? { kind: 'desktop app', stopHint: 'quit it from its tray menu' }
    : {
        kind: 'earshot ui',
        stopHint: 'stop it with Ctrl+C in its terminal',
        alternative: 'start this one with --data-dir DIR',
      };
}

async function assembleAppCore(options: AppCoreOptions, lock: DirLock): Promise<AppCore> {
  const paths = dataPaths(options.userDataDir);
  ensurePrivateDir(paths.journals);
  removeStaleSpillFiles(paths.journals);
  const hub = new EventHub();
  const settings = await SettingsStore.open(options.userDataDir);
  // Provider keys are saved with, and only handed out for, the origin they were saved for.
  const secrets = bindKeysToOrigins(options.secrets, (name) => keyDestination(name, settings.get()));
  // A damaged index is rebuilt from the journals and a damaged journal is left out: both
  // become notices, never a failed start. Interrupted sessions are sealed as recovered.
  const { store: history, recovered, notices: historyNotices } = await openHistory(paths.history, paths.journals);
  const models = new ModelManager({ modelsDir: paths.models });
  const launchCapture = options.launch?.capture ?? ((captureOptions) => new CaptureHost(captureOptions));
  const captureOptions = {
    spawn: options.spawn,
    modulePath: options.entries.capture,
    ...(options.captureEnv ? { env: { ...options.captureEnv } } : {}),
  };
  const capture = launchCapture(captureOptions);
  // Meeting mode's system audio gets a capture process of its own, started the first time it is used.
  let systemCapture: CaptureHandle | null = null;
  const launchSystemCapture = (): CaptureHandle => {
    if (systemCapture) return systemCapture;
    const launched = launchCapture(captureOptions);
    launched.on('level', (level) => hub.emit('level', { ...level, source: 'system' }));
    launched.on('health', (warning) => hub.emit('health', warning));
    // A lost system source is the meeting watchdog's SOURCE_LOST warning; the microphone picker stays out of it.
    launched.on('deviceLost', (lost) => log.warn(`system audio: ${lost.message}`));
    launched.on('error', (error) => log.warn(`system capture: ${error.code} ${error.message}`));
    systemCapture = launched;
    return launched;
  };
  const captions = new CaptionsController(hub, options.secrets);

  if (recovered.length > 0)
    log.warn(`recovered ${recovered.length} interrupted session(s): ${recovered.map((s) => s.id).join(', ')}`);

  const bundled = options.bundledModelsDir ? new ModelManager({ modelsDir: options.bundledModelsDir }) : null;
  const modelsState = async (): Promise<ModelsState> => {
    const own = await models.list();
    const shipped = bundled
      ? (await bundled.list()).installed.filter((b) => !own.installed.some((m) => m.id === b.id))
      : [];
    const installed = [...own.installed, ...shipped.map((m) => ({ ...m, bundled: true }))];
    const state = { ...own, installed, activeModelId: own.activeModelId ?? shipped[0]?.id ?? null };
    const chosen = settings.get().modelId;
    const activeModelId = options.modelDir
      ? 'custom'
      : state.installed.some((m) => m.id === chosen)
        ? chosen
        : state.activeModelId;
    return { ...state, activeModelId };
  };

  const providers = new ProviderResolver({
    settings,
    secrets,
    spawn: options.spawn,
    ...(options.launch?.engine ? { launchEngine: options.launch.engine } : {}),
    engineEntry: options.entries.engine,
    ...(options.entries.decodeWorker ? { decodeWorker: options.entries.decodeWorker } : {}),
    modelsDir: paths.models,
    ...(options.vadModelPath ? { vadModelPath: options.vadModelPath } : {}),
    resolveModelDir: async (modelId) => {
      if (options.modelDir) return options.modelDir;
      const resolveAny = (id: string): string => {
        const shipped = bundled && !models.isInstalled(id) && bundled.isInstalled(id);
        return shipped ? bundled.resolve(id) : models.resolve(id);
      };
      if (modelId) return resolveAny(modelId);
      const active = (await modelsState()).activeModelId;
      if (active) return resolveAny(active);
      const fallback = models.catalog.find((m) => m.isDefault);
      const size = fallback ? ` (${Math.round(fallback.sizeBytes / 1e6)} MB)` : '';
      throw new EarshotError(
        'MODEL_MISSING',
        `No speech model is installed. Download the default model${size} from the Models page to transcribe offline.`,
      );
    },
  });

  const refreshHistory = (): void => hub.emit('history', history.list());
  // macOS/Windows: the built-in system audio joins every device list the front ends see.
  const extra = options.systemAudio?.device;
  const withSystemAudio = (devices: DeviceInfo[]): DeviceInfo[] =>
    extra && !devices.some((d) => d.key === extra.key) ? [...devices, extra] : devices;
  const session = new SessionController({
    hub,
    capture,
    systemCapture: launchSystemCapture,
    ...(options.systemAudio ? { systemAudio: options.systemAudio } : {}),
    settings,
    providers,
    journalDir: paths.journals,
    onSessionEnded: (journal) => {
      history.indexJournal(journal);
      refreshHistory();
      return Promise.resolve();
    },
    onTranscript: (event) => captions.publishTranscript(event, speakerNames(settings.get())),
    onSnapshot: (snapshot) => captions.publishSession(snapshot.state),
    startupNotices: [
      ...(settings.recoveredFrom
        ? [{ code: 'SETTINGS_CORRUPT', message: `${errorMessage('SETTINGS_CORRUPT')} (${settings.recoveredFrom})` }]
        : []),
      ...historyNotices,
    ],
  });

  capture.on('devicesChanged', (devices) => hub.emit('devicesChanged', withSystemAudio(devices)));
  capture.on('deviceLost', (lost) => hub.emit('deviceLost', lost));
  capture.on('level', (level) => hub.emit('level', level));
  capture.on('health', (warning) => hub.emit('health', warning));
  capture.on('error', (error) => log.warn(`capture: ${error.code} ${error.message}`));
  models.on('progress', (progress) => hub.emit('modelProgress', progress));
  settings.on('change', (next, previous) => {
    hub.emit('settings', next);
    if (JSON.stringify(next.captions) !== JSON.stringify(previous.captions)) {
      captions.apply(next.captions).catch((error: unknown) => log.error('captions server change failed', error));
    }
  });

  hub.emit('status', session.snapshot);
  hub.emit('settings', settings.get());
  refreshHistory();
  void modelsState().then(
    (state) => hub.emit('models', state),
    (error: unknown) => log.warn('could not list models', error),
  );
  captions.apply(settings.get().captions).catch((error: unknown) => log.error('captions server did not start', error));
  capture.listDevices().then(
    (devices) => hub.emit('devicesChanged', withSystemAudio(devices)),
    (error: unknown) => log.warn('could not list devices at start', error),
  );

  const handlers = buildHandlerTable({
    options,
    hub,
    capture,
    withSystemAudio,
    settings,
    secrets,
    session,
    history,
    models,
    captions,
    modelsState,
    refreshHistory,
  });

  let disposing: Promise<void> | null = null;
  return {
    handlers,
    subscribe: (sink) => hub.subscribe(sink),
    retryNow: () => session.retryNow(),
    dispose: (disposeOptions = {}) => {
      disposing ??= (async () => {
        const deadline = disposeOptions.deadline ?? Date.now() + QUIT_BUDGET_MS;
        // The session gets the budget less the reserve: sealing, indexing and the children come after.
        await session.dispose(sessionDeadline(deadline, Date.now()));
        const stopped = await beforeDeadline(
          Promise.allSettled([capture.dispose(), systemCapture?.dispose(), providers.dispose(), captions.dispose()]),
          deadline,
          'late' as const,
        );
        if (stopped === 'late') log.warn('the child processes had not stopped by the quit deadline; quitting anyway');
        history.close();
        lock.release();
      })();
      return disposing;
    },
  };
}
