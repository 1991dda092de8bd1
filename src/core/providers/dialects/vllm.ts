import type { TurnDetector } from '../../turns/turn-detector.ts';
import {
  type CloseVerdict,
  type ConnectRequest,
  type ProviderAdapter,
  type ProviderConfig,
  type ProviderStream,
} from '../types.ts';
import { classifyHttpStatus } from '../close-verdicts.ts';
import { VLLM_DEFAULT_URL, VLLM_PCM_RATE, vllmUrl } from './vllm-messages.ts';
import { VllmStream } from './vllm-stream.ts';

/**
 * vLLM's `/v1/realtime` (Voxtral Realtime). The server has no VAD and acknowledges no audio:
 * a plain commit starts a generation that streams `transcription.delta`s while it reads the
 * audio queue; `commit{final:true}` ends it and is answered by `transcription.done` with the
 * whole text, after which the server clears its queue.
 *
 * What is settled when: a generation's audio (and the silence before it) is settled at its
 * `done`, and only then. So the dialect closes a generation at every pause the client-side turn
 * detector finds (never inside speech), which keeps the replay after a drop to about one
 * utterance; audio that arrives while a generation closes is held here, not sent (the server
 * would clear it), and goes out after the next plain commit. A final is shown only at `done`,
 * in the same step that settles its audio, so a reconnect replays only audio whose text was
 * never final: nothing shows twice.
 *
 * A generation can fail (`processing_error`, no `done`; connection.py's `_run_generation`): the
 * audio it read is gone and the server's queue is left as it was, perhaps with the end sentinel
 * still in it. The dialect then ends a fresh generation at once (final commit, then a plain one),
 * whose `done` clears the queue, and sends the failed generation's audio again on a new one. If
 * that fails too, the audio is given up with a warning rather than retried forever.
 */
export class VllmAdapter implements ProviderAdapter {
  readonly id = 'vllm' as const;
  readonly label = 'The vLLM server';
  readonly sampleRate: number;
  readonly maxSessionMs: number | null;
  /** The server queues appends without a rate rule: replay at once. */
  readonly replayPacing = null;
  readonly #url: string;
  readonly #config: ProviderConfig;
  readonly #model: string;
  readonly #turns: () => TurnDetector;

  constructor(config: ProviderConfig, model: string, turns: () => TurnDetector) {
    this.#config = config;
    this.#model = model;
    this.#turns = turns;
    this.sampleRate = config.sampleRate ?? VLLM_PCM_RATE;
    this.maxSessionMs = config.maxSessionMs ?? null;
    this.#url = vllmUrl(config.url ?? VLLM_DEFAULT_URL);
  }

  connectRequest(): ConnectRequest {
    const headers: Record<string, string> = {};
    // vLLM's --api-key guards its HTTP routes with a Bearer token.
    if (this.#config.apiKey) headers['Authorization'] = `Bearer ${this.#config.apiKey}`;
    return { url: this.#url, headers };
  }

  createStream(): ProviderStream {
    return new VllmStream(this.label, this.sampleRate, this.#model, this.#turns());
  }

  classifyHandshake(status: number | null, detail: string): CloseVerdict {
    return classifyHttpStatus(this.label, status, detail);
  }
}
