import { pcmBytes } from '../types.ts';

/**
 * vLLM's realtime wire format, as its server reads and writes it
 * (vllm-project/vllm @ 0787aaa088808ed424d73dc584d23657aa58639b,
 * vllm/entrypoints/openai/realtime/connection.py and protocol.py; api_router.py for the path
 * and rate). Flat, not OpenAI's nested session: `session.update` carries `model` at the top
 * level (the server reads `event["model"]`, so it is required) and is never answered.
 */
export const VLLM_PCM_RATE = 16_000;
export const VLLM_DEFAULT_URL = 'ws://localhost:8000/v1/realtime';

export const vllmSessionUpdate = (model: string): string => JSON.stringify({ type: 'session.update', model });
/** A plain commit starts a generation that reads the audio queue until a final commit. */
export const vllmStart = (): string => JSON.stringify({ type: 'input_audio_buffer.commit' });
/** Ends the generation's audio; answered by `transcription.done`, after which the queue is cleared. */
export const vllmFinal = (): string => JSON.stringify({ type: 'input_audio_buffer.commit', final: true });
export const vllmAppend = (samples: Int16Array): string =>
  JSON.stringify({ type: 'input_audio_buffer.append', audio: pcmBytes(samples).toString('base64') });

/** Accepts `ws://host:port` or an http(s) base and adds vLLM's one realtime path. */
export function vllmUrl(raw: string): string {
  const url = new URL(raw);
  if (url.protocol === 'http:') url.protocol = 'ws:';
  if (url.protocol === 'https:') url.protocol = 'wss:';
  const path = url.pathname.replace(/\/+$/, '');
  if (path === '' || path === '/v1') url.pathname = '/v1/realtime';
  return url.toString();
}

/**
 * Error codes the server sends (`{"type":"error","error":"<text>","code":"<code>"}`).
 * `model_not_validated`: a commit before `session.update`; our set-up always precedes it, so
 * seeing it means the server did not take the set-up at all.
 */
export const VLLM_FATAL_CODES = new Set(['model_not_validated']);
