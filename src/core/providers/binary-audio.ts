import { z } from 'zod';
import type { ProviderId } from '../../shared/session.ts';
import {
  protocolWarning,
  readServerMessage,
  type CloseVerdict,
  type ConnectRequest,
  type ProviderAdapter,
  type ProviderConfig,
  type ProviderEvent,
  type ProviderStream,
  type ReplayPacing,
  type WireMessage,
} from './types.ts';
import { classifyHttpStatus } from './close-verdicts.ts';

/**
 * What the binary-audio services (Deepgram, AssemblyAI) share: configuration in the URL's query
 * string, raw PCM in binary frames, JSON text frames tagged by `type` coming back, and accounting
 * that only moves forward. Each service's stream keeps its own protocol; this holds the plumbing
 * around it once.
 */

export type Decoded = { send: WireMessage[]; events: ProviderEvent[] };

/** A service's server messages: a zod union tagged by `type`, and the `type`s it knows. */
export interface ServerMessages<M extends { type: string }> {
  readonly schema: z.ZodType<M>;
  readonly types: ReadonlySet<string>;
}

type TaggedObject = z.ZodObject<{ type: z.ZodLiteral<string> }>;

/** A service's server messages from their schemas, each an object tagged by a literal `type`. */
export function serverMessages<const Options extends readonly [TaggedObject, ...TaggedObject[]]>(
  options: Options,
): ServerMessages<z.output<Options[number]>> {
  return {
    schema: z.discriminatedUnion('type', options),
    types: new Set<string>(options.map((option) => option.shape.type.value)),
  };
}

/**
 * The service URL: `base` (the configured override or the service's own), given `defaultPath`
 * when it has none, and every default query parameter the URL does not already set (so a
 * parameter written into an override URL wins).
 */
function serviceUrl(base: string, defaultPath: string, defaults: Readonly<Record<string, string>>): string {
  const url = new URL(base);
  if (url.pathname === '/' || url.pathname === '') url.pathname = defaultPath;
  for (const [key, value] of Object.entries(defaults)) if (!url.searchParams.has(key)) url.searchParams.set(key, value);
  return url.toString();
}

/** Where a service listens and how it takes the key. */
export interface ServiceEndpoint {
  readonly url: string;
  /** The path an override URL without one gets (a proxy or self-hosted server given as host only). */
  readonly path: string;
  /** The `Authorization` header for a key. */
  authorization(apiKey: string): string;
}

/**
 * The adapter half: PCM rate and session limit from the settings, the connect request (the
 * service URL with the stream's configuration in its query, the key in a header), and the
 * HTTP handshake verdicts, which are the same for every service.
 */
export abstract class BinaryAudioAdapter implements ProviderAdapter {
  abstract readonly id: ProviderId;
  abstract readonly label: string;
  abstract readonly replayPacing: ReplayPacing | null;
  readonly sampleRate: number;
  readonly maxSessionMs: number | null;
  protected readonly config: ProviderConfig;
  readonly #endpoint: ServiceEndpoint;

  protected constructor(config: ProviderConfig, endpoint: ServiceEndpoint, defaultMaxSessionMs: number | null) {
    this.config = config;
    this.#endpoint = endpoint;
    this.sampleRate = config.sampleRate ?? 16_000;
    this.maxSessionMs = config.maxSessionMs !== undefined ? config.maxSessionMs : defaultMaxSessionMs;
  }

  /** The stream's configuration as query parameters (a parameter already in an override URL wins). */
  protected abstract query(): Record<string, string>;
  abstract createStream(): ProviderStream;

  connectRequest(): ConnectRequest {
    const { url, path } = this.#endpoint;
    const { apiKey } = this.config;
    return {
      url: serviceUrl(this.config.url ?? url, path, this.query()),
      headers: apiKey ? { Authorization: this.#endpoint.authorization(apiKey) } : {},
    };
  }

  classifyHandshake(status: number | null, detail: string): CloseVerdict {
    return classifyHttpStatus(this.label, status, detail);
  }
}

/**
 * One incoming frame, read against the service's schema: a typed message, or the event to report
 * instead. A `type` the schema does not know is a message Earshot does not need (`ignored`); a
 * known `type` that does not match its documented shape is a protocol warning.
 */
export function decodeServerMessage<M extends { type: string }>(
  label: string,
  messages: ServerMessages<M>,
  data: Buffer,
  isBinary: boolean,
): { message: M } | { event: ProviderEvent } {
  const read = readServerMessage(label, data, isBinary);
  if ('warning' in read) return { event: read.warning };
  const { type } = read.msg;
  if (!messages.types.has(type)) return { event: { kind: 'ignored', type } };
  const parsed = messages.schema.safeParse(read.msg);
  if (parsed.success) return { message: parsed.data };
  const where = parsed.error.issues.map((issue) => `${issue.path.join('.') || type}: ${issue.message}`).join('; ');
  return { event: protocolWarning(label, `a ${type} message that does not match its documented shape (${where})`) };
}

/**
 * The per-connection state every binary-audio stream keeps: whether the service is inside an
 * utterance, and how far it has accounted for the audio. Subclasses speak the protocol.
 */
export abstract class BinaryAudioStream<M extends { type: string }> implements ProviderStream {
  protected readonly label: string;
  /** PCM rate on this connection (samples per second). */
  protected readonly rate: number;
  /** Set by the subclass from the service's speech events and turn boundaries. */
  protected speaking = false;
  readonly #messages: ServerMessages<M>;
  #settled = 0;

  protected constructor(label: string, rate: number, messages: ServerMessages<M>) {
    this.label = label;
    this.rate = rate;
    this.#messages = messages;
  }

  abstract onOpen(): Decoded;
  abstract encodeAudio(samples: Int16Array): WireMessage[];
  abstract flush(): WireMessage[];
  abstract end(): WireMessage[];
  abstract keepAlive(): WireMessage;
  abstract classifyClose(code: number, reason: string): CloseVerdict;
  /** Handles one message that matched the service's schema. */
  protected abstract onMessage(message: M, out: Decoded): void;

  decode(data: Buffer, isBinary: boolean): Decoded {
    const out: Decoded = { send: [], events: [] };
    const read = decodeServerMessage(this.label, this.#messages, data, isBinary);
    if ('event' in read) out.events.push(read.event);
    else this.onMessage(read.message, out);
    return out;
  }

  inTurn(): boolean {
    return this.speaking;
  }

  /** Audio goes out as it comes unless a subclass batches it. */
  hasBatchedAudio(): boolean {
    return false;
  }

  /** These services settle audio on their own (finals, turns); nothing to commit. */
  maybeCommit(): null {
    return null;
  }

  /** Reports that every sample before `untilSample` is accounted for, once per step forward. */
  protected settle(untilSample: number, out: Decoded): void {
    if (untilSample <= this.#settled) return;
    this.#settled = untilSample;
    out.events.push({ kind: 'settled', untilSample });
  }
}
