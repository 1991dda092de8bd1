import type { DeviceInfo } from '../../shared/devices.ts';
import { keyedProviders } from '../../shared/session.ts';
import { speakerNames } from '../../shared/settings.ts';
import { EarshotError } from '../../shared/errors.ts';
import type { ModelsState } from '../../shared/models.ts';
import type { HandlerTable } from '../ipc/handlers.ts';
import { createLogger } from '../../platform/log/logger.ts';
import type { ModelManager } from '../models/model-manager.ts';
import type { SettingsStore } from '../settings/settings-store.ts';
import { exportFileName, exportTranscript } from '../transcript/export.ts';
import type { HistoryStore } from '../transcript/history-store.ts';
import type { CaptionsController } from './captions-controller.ts';
import type { EventHub } from './event-hub.ts';
import type { SessionController } from './session-controller.ts';
import type { AppCoreOptions, CaptureHandle, SecretStore } from './types.ts';

const log = createLogger('handlers');

export interface HandlerServices {
  readonly options: AppCoreOptions;
  readonly hub: EventHub;
  readonly capture: CaptureHandle;
  /** Adds the built-in system audio device (macOS/Windows) to a capture process's list. */
  readonly withSystemAudio: (devices: DeviceInfo[]) => DeviceInfo[];
  readonly settings: SettingsStore;
  readonly secrets: SecretStore;
  readonly session: SessionController;
  readonly history: HistoryStore;
  readonly models: ModelManager;
  readonly captions: CaptionsController;
  /** The models state with the person's chosen model marked active. */
  readonly modelsState: () => Promise<ModelsState>;
  readonly refreshHistory: () => void;
}

/** Every invoke channel, answered by the core services. Payloads arrive already validated. */
export function buildHandlerTable(s: HandlerServices): HandlerTable {
  return {
    'app.info': () => ({ version: s.options.appVersion, platform: process.platform, transport: s.options.transport }),

    'devices.list': async () => s.withSystemAudio(await s.capture.listDevices()),
    'devices.refresh': async () => s.withSystemAudio(await s.capture.refreshDevices()),
    'devices.select': async ({ key }) => {
      await s.session.selectDevice(key);
      return null;
    },

    'session.start': (options) => s.session.start(options ?? {}),
    'session.stop': () => s.session.stop(),
    'session.toggle': () => s.session.toggle(),
    'session.get': () => s.session.snapshot,

    'transcript.get': () => s.session.transcript(),
    'transcript.clear': () => {
      s.session.clear();
      return null;
    },
    'transcript.export': ({ format }) => {
      const transcript = s.session.transcript();
      const meta = {
        sessionId: transcript.sessionId,
        startedAt: s.session.snapshot.startedAt ?? Date.now(),
        provider: s.session.snapshot.provider,
        speakers: speakerNames(s.settings.get()),
      };
      return { text: exportTranscript(transcript.segments, format, meta), fileName: exportFileName(meta, format) };
    },

    'clipboard.write': ({ text }) => {
      if (!s.options.writeClipboard)
        throw new EarshotError('NOT_AVAILABLE', 'This front end copies to the clipboard itself.');
      s.options.writeClipboard(text);
      return null;
    },

    'history.list': () => s.history.list(),
    'history.search': ({ query, speaker }) => s.history.search(query, speaker),
    'history.open': ({ id }) => s.history.open(id),
    'history.rename': ({ id, title }) => {
      const summary = s.history.rename(id, title);
      s.refreshHistory();
      return summary;
    },
    'history.delete': ({ id }) => {
      s.history.delete(id);
      s.refreshHistory();
      return null;
    },
    'history.export': ({ id, format }) => {
      const { summary, segments } = s.history.open(id);
      const meta = {
        title: summary.title,
        sessionId: summary.id,
        startedAt: summary.startedAt,
        provider: summary.provider,
        speakers: speakerNames(s.settings.get()),
      };
      return { text: exportTranscript(segments, format, meta), fileName: exportFileName(meta, format) };
    },

    'models.list': () => s.modelsState(),
    'models.download': ({ id }) => {
      if (!s.models.catalog.some((m) => m.id === id))
        throw new EarshotError('MODEL_MISSING', `"${id}" is not in the model catalog.`);
      // Progress and the outcome arrive as events; the request itself returns at once. The
      // model list is sent again either way: a failed download removed its partial file.
      s.models
        .download(id)
        .catch((error: unknown) => log.warn(`download of ${id} did not finish`, error))
        .then(async () => s.hub.emit('models', await s.modelsState()))
        .catch((error: unknown) => log.warn('could not list the models after a download', error));
      return null;
    },
    'models.cancel': ({ id }) => {
      s.models.cancel(id);
      return null;
    },
    'models.delete': async ({ id }) => {
      const model = (await s.modelsState()).installed.find((m) => m.id === id);
      if (model?.bundled)
        throw new EarshotError('NOT_AVAILABLE', `"${model.name}" ships with Earshot and cannot be deleted.`);
      await s.models.delete(id);
      if (s.settings.get().modelId === id) await s.settings.update({ modelId: null });
      const state = await s.modelsState();
      s.hub.emit('models', state);
      return state;
    },
    'models.select': async ({ id }) => {
      if (!(await s.modelsState()).installed.some((m) => m.id === id)) s.models.resolve(id);
      await s.settings.update({ modelId: id });
      const state = await s.modelsState();
      s.hub.emit('models', state);
      return state;
    },

    'settings.get': () => s.settings.get(),
    'settings.update': (patch) => s.settings.update(patch),

    'secrets.set': async ({ provider, key }) => {
      await s.secrets.set(provider, key);
      return null;
    },
    'secrets.clear': async ({ provider }) => {
      await s.secrets.delete(provider);
      return null;
    },
    'secrets.status': async () => {
      const entries = await Promise.all(keyedProviders.map(async (p) => [p, await s.secrets.has(p)] as const));
      return Object.fromEntries(entries) as Record<(typeof keyedProviders)[number], boolean>;
    },

    'captions.status': () => s.captions.status(),
    'captions.setEnabled': async ({ enabled }) => {
      const settings = await s.settings.update({ captions: { enabled } });
      return s.captions.apply(settings.captions);
    },

    // Main's IPC layer flushes its queue on this; the core has nothing queued.
    'renderer.ready': () => null,
  };
}
