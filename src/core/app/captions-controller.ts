import type { CaptionsStatus } from '../../shared/captions.ts';
import type { SessionState } from '../../shared/session.ts';
import type { Settings } from '../../shared/settings.ts';
import type { SpeakerNames, TranscriptEvent } from '../../shared/transcript.ts';
import { generateCaptionsToken } from '../captions/auth.ts';
import { startCaptionsServer, type CaptionsServer } from '../captions/server.ts';
import { createLogger } from '../../platform/log/logger.ts';
import { SerialQueue } from '../../platform/serial-queue.ts';
import type { EventHub } from './event-hub.ts';
import type { SecretStore } from './types.ts';

const log = createLogger('captions-controller');
/** The overlay URL pasted into OBS must survive restarts, so the token is kept with the keys. */
const TOKEN_NAME = 'captions-token';
const STATUS_INTERVAL_MS = 250;

/**
 * Runs the captions server while the setting says so, restarts it when its address changes,
 * and publishes its status (running, URL, subscriber count) to every front end.
 */
export class CaptionsController {
  readonly #hub: EventHub;
  readonly #secrets: SecretStore;
  #server: CaptionsServer | null = null;
  #applied: Settings['captions'] | null = null;
  /** Quick toggles must not race: each apply starts after the previous one has settled. */
  readonly #queue = new SerialQueue();
  #lastSessionState: SessionState = 'idle';
  #statusTimer: NodeJS.Timeout | null = null;

  constructor(hub: EventHub, secrets: SecretStore) {
    this.#hub = hub;
    this.#secrets = secrets;
  }

  status(): CaptionsStatus {
    if (this.#server) return this.#server.status();
    const wanted = this.#applied;
    return {
      running: false,
      overlayUrl: null,
      captionsUrl: null,
      host: wanted?.host ?? '127.0.0.1',
      port: wanted?.port ?? 0,
      subscribers: 0,
    };
  }

  /** Brings the server in line with the settings. */
  apply(captions: Settings['captions']): Promise<CaptionsStatus> {
    return this.#queue.run(() => this.#apply(captions));
  }

  /** `speakers`: meeting mode's names as the person set them, sent with each segment. */
  publishTranscript(event: TranscriptEvent, speakers?: SpeakerNames): void {
    this.#server?.publishTranscript(event, speakers);
  }

  publishSession(state: SessionState): void {
    this.#lastSessionState = state;
    this.#server?.publishSession(state);
  }

  async dispose(): Promise<void> {
    await this.#queue.idle();
    await this.#stop();
  }

  async #apply(captions: Settings['captions']): Promise<CaptionsStatus> {
    const same =
      this.#applied &&
      this.#applied.enabled === captions.enabled &&
      this.#applied.host === captions.host &&
      this.#applied.port === captions.port &&
      this.#applied.allowLan === captions.allowLan;
    if (same && (this.#server !== null) === captions.enabled) return this.status();
    await this.#stop();
    this.#applied = { ...captions };
    if (captions.enabled) {
      const server = await startCaptionsServer({
        host: captions.allowLan && captions.host === '127.0.0.1' ? '0.0.0.0' : captions.host,
        port: captions.port,
        allowLan: captions.allowLan,
        token: await this.#token(),
      });
      server.on('subscribers', () => this.#emitStatusSoon());
      server.publishSession(this.#lastSessionState);
      this.#server = server;
      log.info(`captions server listening on ${server.url}`);
    }
    const status = this.status();
    this.#hub.emit('captions', status);
    return status;
  }

  /**
   * Subscriber counts can change a thousand times a second when an audience connects; front
   * ends get at most four updates a second, the last one always current.
   */
  #emitStatusSoon(): void {
    if (this.#statusTimer) return;
    this.#statusTimer = setTimeout(() => {
      this.#statusTimer = null;
      this.#hub.emit('captions', this.status());
    }, STATUS_INTERVAL_MS);
    this.#statusTimer.unref();
  }

  async #stop(): Promise<void> {
    const server = this.#server;
    this.#server = null;
    if (server) await server.close();
  }

  async #token(): Promise<string> {
    const stored = await this.#secrets.get(TOKEN_NAME).catch(() => null);
    if (stored) return stored;
    const token = generateCaptionsToken();
    await this.#secrets
      .set(TOKEN_NAME, token)
      .catch((error: unknown) => log.warn('could not persist the captions token', error));
    return token;
  }
}
