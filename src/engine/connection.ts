import type { WebSocket } from 'ws';
import type { z } from 'zod';
import { clientEventSchema, isClientEventType } from '../shared/realtime/client-events.ts';
import type { TranscriptionSession } from '../shared/realtime/session.ts';
import { createLogger } from '../platform/log/logger.ts';
import type { DecoderPool, DecoderSession } from './decoder-pool.ts';
import { decodePcm16, errorEvent, newId, serverEvent, type ServerEvent } from './protocol.ts';
import type { RecognizerEvent } from './recognizers/events.ts';
import {
  InvalidSetting,
  applyBetaUpdate,
  applySessionUpdate,
  defaultSessionConfig,
  recognizerSettings,
  sessionObject,
  type SessionConfig,
} from './session-config.ts';
import { invalidSetting, valueAt } from './session-limits.ts';

const log = createLogger('engine-connection');

export interface ConnectionLimits {
  /** Audio (seconds) a connection may have waiting for the decoder before it is closed with 1013. */
  readonly maxBacklogS: number;
}

/** WebSocket close codes used by the engine. */
export const CLOSE_TRY_AGAIN_LATER = 1013;
export const CLOSE_INTERNAL_ERROR = 1011;

/**
 * One client connection: parses client events, keeps the session configuration, feeds the
 * connection's own recognizer session and turns its events into protocol events with item
 * ids. A bad event gets an `error` and changes nothing; the connection lives on.
 */
export class EngineConnection {
  readonly #ws: WebSocket;
  readonly #pool: DecoderPool;
  readonly #limits: ConnectionLimits;
  readonly #sessionId = newId('sess');
  readonly #itemIds = new Map<number, string>();
  #config: SessionConfig;
  #decoder: DecoderSession;
  #lastCommittedItem: string | null = null;
  #closed = false;

  constructor(ws: WebSocket, pool: DecoderPool, limits: ConnectionLimits) {
    this.#ws = ws;
    this.#pool = pool;
    this.#limits = limits;
    this.#config = defaultSessionConfig(pool.model);
    this.#decoder = pool.open(recognizerSettings(this.#config), {
      onEvents: (events) => this.#onRecognizerEvents(events),
      onFailure: (message) => this.#onDecoderFailure(message),
    });
    this.#send(serverEvent('session.created', { session: this.#session() }));
  }

  handleMessage(data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): void {
    if (this.#closed) return;
    if (isBinary) {
      this.#send(errorEvent('invalid_event', 'Binary frames are not part of this protocol; send JSON text events.'));
      return;
    }
    const text = Array.isArray(data)
      ? Buffer.concat(data).toString('utf8')
      : Buffer.from(data as ArrayBuffer).toString('utf8');
    let event: unknown;
    try {
      event = JSON.parse(text);
    } catch (error) {
      this.#send(errorEvent('invalid_json', `The event is not valid JSON (${(error as Error).message}).`));
      return;
    }
    if (typeof event !== 'object' || event === null || Array.isArray(event)) {
      this.#send(errorEvent('invalid_event', 'An event must be a JSON object with a "type".'));
      return;
    }
    this.#dispatch(event as Record<string, unknown>);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#decoder.close();
  }

  #dispatch(event: Record<string, unknown>): void {
    const eventId = typeof event['event_id'] === 'string' ? event['event_id'] : null;
    const type = event['type'];
    // Audio is 25 messages a second per listener: it skips the schema, whose whole verdict
    // for an append is "audio is a string" (event_id is already read, extra keys are ignored).
    if (type === 'input_audio_buffer.append' && typeof event['audio'] === 'string') {
      this.#append(event['audio'], eventId);
      return;
    }
    if (!isClientEventType(type)) {
      const shown = typeof type === 'string' ? `"${type.slice(0, 100)}"` : 'missing';
      this.#send(
        errorEvent('unknown_event', `Event type ${shown} is not supported by this transcription engine.`, {
          param: 'type',
          eventId,
        }),
      );
      return;
    }
    const parsed = clientEventSchema.safeParse(event);
    if (!parsed.success) {
      this.#rejectMalformed(event, parsed.error.issues[0]!, eventId);
      return;
    }
    const e = parsed.data;
    switch (e.type) {
      case 'session.update':
      case 'transcription_session.update': {
        try {
          const apply = e.type === 'session.update' ? applySessionUpdate : applyBetaUpdate;
          this.#config = apply(this.#config, e.session);
        } catch (error) {
          if (!(error instanceof InvalidSetting)) throw error;
          this.#send(errorEvent('invalid_value', error.message, { param: error.param, eventId }));
          return;
        }
        this.#decoder.configure(recognizerSettings(this.#config));
        const reply = e.type === 'session.update' ? 'session.updated' : 'transcription_session.updated';
        this.#send(serverEvent(reply, { session: this.#session() }));
        return;
      }
      case 'input_audio_buffer.append':
        this.#append(e.audio, eventId);
        return;
      case 'input_audio_buffer.commit':
        this.#decoder.commit(eventId);
        return;
      case 'input_audio_buffer.clear':
        this.#decoder.clear();
        this.#send(serverEvent('input_audio_buffer.cleared', {}));
        return;
    }
  }

  /** A known event whose fields do not fit its schema: the field at fault is named; nothing changes. */
  #rejectMalformed(event: Record<string, unknown>, issue: z.core.$ZodIssue, eventId: string | null): void {
    if (issue.path[0] === 'audio') {
      const why = decodePcm16(event['audio']);
      const message = typeof why === 'string' ? why : issue.message;
      this.#send(errorEvent('invalid_value', `${message} The frame was discarded.`, { param: 'audio', eventId }));
      return;
    }
    const rejected = invalidSetting(issue.path, valueAt(event, issue.path), issue.message);
    this.#send(errorEvent('invalid_value', rejected.message, { param: rejected.param, eventId }));
  }

  #append(audio: string, eventId: string | null): void {
    const pcm = decodePcm16(audio);
    if (typeof pcm === 'string') {
      this.#send(errorEvent('invalid_value', `${pcm} The frame was discarded.`, { param: 'audio', eventId }));
      return;
    }
    if (pcm.length === 0) return;
    // The bound applies before the frame is queued: a connection over it queues nothing more.
    const backlogS = (this.#decoder.pendingSamples + pcm.length) / this.#config.rate;
    if (backlogS <= this.#limits.maxBacklogS) {
      this.#decoder.append(pcm);
      return;
    }
    this.#send(
      errorEvent(
        'backlog_exceeded',
        `More than ${this.#limits.maxBacklogS} s of audio is waiting to be decoded; send audio at real-time pace.`,
        { type: 'server_error', eventId },
      ),
    );
    this.#ws.close(CLOSE_TRY_AGAIN_LATER, 'backlog exceeded');
  }

  #onRecognizerEvents(events: readonly RecognizerEvent[]): void {
    for (const event of events) {
      if (event.type === 'commit_empty') {
        this.#send(
          errorEvent(
            'input_audio_buffer_commit_empty',
            `Buffer too small: expected at least 100 ms of audio, got ${event.bufferedMs} ms.`,
            {
              param: null,
              eventId: event.eventId,
            },
          ),
        );
        continue;
      }
      const itemId = this.#itemId(event.segment);
      switch (event.type) {
        case 'speech_started':
          this.#send(
            serverEvent('input_audio_buffer.speech_started', { audio_start_ms: event.audioStartMs, item_id: itemId }),
          );
          break;
        case 'speech_stopped':
          this.#send(
            serverEvent('input_audio_buffer.speech_stopped', { audio_end_ms: event.audioEndMs, item_id: itemId }),
          );
          break;
        case 'committed':
          this.#send(
            serverEvent('input_audio_buffer.committed', { previous_item_id: this.#lastCommittedItem, item_id: itemId }),
          );
          this.#lastCommittedItem = itemId;
          break;
        case 'delta':
          this.#send(
            serverEvent('conversation.item.input_audio_transcription.delta', {
              item_id: itemId,
              content_index: 0,
              delta: event.delta,
            }),
          );
          break;
        case 'completed':
          this.#send(
            serverEvent('conversation.item.input_audio_transcription.completed', {
              item_id: itemId,
              content_index: 0,
              transcript: event.transcript,
              usage: { type: 'duration', seconds: Math.round(event.durationS * 1000) / 1000 },
              start_ms: event.startMs,
              end_ms: event.endMs,
              words: event.words,
            }),
          );
          this.#itemIds.delete(event.segment);
          break;
        case 'failed':
          this.#send(
            serverEvent('conversation.item.input_audio_transcription.failed', {
              item_id: itemId,
              content_index: 0,
              error: { type: 'server_error', code: 'transcription_failed', message: event.message, param: null },
            }),
          );
          this.#itemIds.delete(event.segment);
          break;
      }
    }
  }

  #onDecoderFailure(message: string): void {
    log.error(`recognizer session failed: ${message}`);
    this.#send(
      errorEvent(
        'decoder_failed',
        `The recognizer for this connection failed: ${message}. Reconnect to start a new session.`,
        { type: 'server_error' },
      ),
    );
    this.#closed = true;
    this.#ws.close(CLOSE_INTERNAL_ERROR, 'recognizer failed');
  }

  #itemId(segment: number): string {
    let id = this.#itemIds.get(segment);
    if (!id) {
      id = newId('item');
      this.#itemIds.set(segment, id);
    }
    return id;
  }

  #session(): TranscriptionSession {
    return sessionObject(this.#sessionId, this.#config, this.#pool.model);
  }

  #send(event: ServerEvent): void {
    if (this.#ws.readyState !== this.#ws.OPEN) return;
    this.#ws.send(JSON.stringify(event));
  }
}
