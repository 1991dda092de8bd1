import { z } from 'zod';
import { captionsStatusSchema } from '../captions.ts';
import { deviceInfoSchema, deviceLostSchema, healthSchema, levelSchema } from '../devices.ts';
import { sessionDetailSchema, sessionSummarySchema } from '../history.ts';
import { modelProgressSchema, modelsStateSchema } from '../models.ts';
import { keyedProviderSchema, sessionSnapshotSchema, startOptionsSchema } from '../session.ts';
import { settingsPatchSchema, settingsSchema } from '../settings.ts';
import {
  exportFormatSchema,
  speakerSourceSchema,
  transcriptEventSchema,
  transcriptSnapshotSchema,
} from '../transcript.ts';

/**
 * The one IPC contract. Main's handlers, the preload's `window.earshot`, the web bridge and
 * the renderer's types are all derived from these two tables.
 *
 * Invoke channels are `domain.verb`: the renderer asks, main answers with a `Result`.
 * Event channels are pushed from main to the renderer.
 */
const none = z.undefined();
const id = z.object({ id: z.string().min(1).max(200) }).strict();

export const invokeContract = {
  'app.info': {
    request: none,
    response: z.object({ version: z.string(), platform: z.string(), transport: z.enum(['ipc', 'web']) }),
  },

  'devices.list': { request: none, response: z.array(deviceInfoSchema) },
  'devices.refresh': { request: none, response: z.array(deviceInfoSchema) },
  /** Remembers the microphone and, while a session runs, switches to it without a gap in the transcript. */
  'devices.select': { request: z.object({ key: z.string().min(1).max(500) }).strict(), response: z.null() },

  'session.start': { request: startOptionsSchema.strict().optional(), response: sessionSnapshotSchema },
  'session.stop': { request: none, response: sessionSnapshotSchema },
  'session.toggle': { request: none, response: sessionSnapshotSchema },
  'session.get': { request: none, response: sessionSnapshotSchema },

  'transcript.get': { request: none, response: transcriptSnapshotSchema },
  'transcript.clear': { request: none, response: z.null() },
  'transcript.export': {
    request: z.object({ format: exportFormatSchema }).strict(),
    response: z.object({ text: z.string(), fileName: z.string() }),
  },

  'clipboard.write': { request: z.object({ text: z.string().max(50_000_000) }).strict(), response: z.null() },

  'history.list': { request: none, response: z.array(sessionSummarySchema) },
  'history.search': {
    request: z.object({ query: z.string().min(1).max(500), speaker: speakerSourceSchema.optional() }).strict(),
    response: z.array(sessionSummarySchema),
  },
  'history.open': { request: id, response: sessionDetailSchema },
  'history.rename': {
    request: id.extend({ title: z.string().trim().min(1).max(200) }).strict(),
    response: sessionSummarySchema,
  },
  'history.delete': { request: id, response: z.null() },
  'history.export': {
    request: id.extend({ format: exportFormatSchema }).strict(),
    response: z.object({ text: z.string(), fileName: z.string() }),
  },

  'models.list': { request: none, response: modelsStateSchema },
  'models.download': { request: id, response: z.null() },
  'models.cancel': { request: id, response: z.null() },
  'models.delete': { request: id, response: modelsStateSchema },
  'models.select': { request: id, response: modelsStateSchema },

  'settings.get': { request: none, response: settingsSchema },
  'settings.update': { request: settingsPatchSchema, response: settingsSchema },

  /** Keys go in and are never read back: status says only whether one is set. */
  'secrets.set': {
    request: z.object({ provider: keyedProviderSchema, key: z.string().trim().min(1).max(4096) }).strict(),
    response: z.null(),
  },
  'secrets.clear': { request: z.object({ provider: keyedProviderSchema }).strict(), response: z.null() },
  'secrets.status': { request: none, response: z.record(keyedProviderSchema, z.boolean()) },

  'captions.status': { request: none, response: captionsStatusSchema },
  'captions.setEnabled': {
    request: z.object({ enabled: z.boolean() }).strict(),
    response: captionsStatusSchema,
  },

  /** The renderer says it has subscribed; main then flushes events it queued before. */
  'renderer.ready': { request: none, response: z.null() },
} as const;

export const eventContract = {
  status: sessionSnapshotSchema,
  transcript: transcriptEventSchema,
  transcriptCleared: z.null(),
  devicesChanged: z.array(deviceInfoSchema),
  deviceLost: deviceLostSchema,
  /** A source's input level; `source` says which in meeting mode (absent: the microphone). */
  level: levelSchema.extend({ source: speakerSourceSchema.optional() }),
  health: healthSchema,
  modelProgress: modelProgressSchema,
  models: modelsStateSchema,
  captions: captionsStatusSchema,
  settings: settingsSchema,
  history: z.array(sessionSummarySchema),
} as const;

export type InvokeContract = typeof invokeContract;
export type EventContract = typeof eventContract;
export type InvokeChannel = keyof InvokeContract;
export type EventChannel = keyof EventContract;
export type InvokeRequest<C extends InvokeChannel> = z.input<InvokeContract[C]['request']>;
export type ParsedRequest<C extends InvokeChannel> = z.output<InvokeContract[C]['request']>;
export type InvokeResponse<C extends InvokeChannel> = z.output<InvokeContract[C]['response']>;
export type EventPayload<E extends EventChannel> = z.output<EventContract[E]>;

export const invokeChannels = Object.keys(invokeContract) as InvokeChannel[];
export const eventChannels = Object.keys(eventContract) as EventChannel[];

export function isInvokeChannel(value: unknown): value is InvokeChannel {
  return typeof value === 'string' && Object.hasOwn(invokeContract, value);
}

export function isEventChannel(value: unknown): value is EventChannel {
  return typeof value === 'string' && Object.hasOwn(eventContract, value);
}

/** The wire name of a channel, so IPC channels cannot collide with anything else. */
export const IPC_PREFIX = 'earshot:';
