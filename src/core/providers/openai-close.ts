import { type CloseVerdict } from './types.ts';
import { serviceDetail } from './close-verdicts.ts';

/** Error codes after which reconnecting cannot help. */
const FATAL_ERROR_CODES = new Set([
  'invalid_api_key',
  'invalid_model',
  'model_not_found',
  'insufficient_quota',
  'unsupported_model',
]);

/** What a stream saw before its socket closed. */
export interface CloseContext {
  /** The service ended the session at its time limit (`session_expired`). */
  readonly expired: boolean;
  /** The last `error` event, which usually explains a close that follows it. */
  readonly lastError: { readonly code: string; readonly message: string } | null;
}

/**
 * Judges a close of an OpenAI-style socket: an expiry reconnects at once, a policy close (1008)
 * or OpenAI's fatal close (4000) or a fatal error code gives up, anything else reconnects.
 */
export function classifyOpenAiClose(label: string, seen: CloseContext, code: number, reason: string): CloseVerdict {
  if (seen.expired)
    return {
      retry: true,
      immediate: true,
      code: 'WS_CLOSED',
      message: `${label} ended the session at its time limit; Earshot reconnected.`,
    };
  const lastError = seen.lastError;
  const said = serviceDetail(lastError ? `${lastError.code}: ${lastError.message}` : reason);
  const detail = said || `close code ${code}`;
  const authLike = /auth|api[_ ]?key|unauthori[sz]ed/i.test(`${reason} ${lastError?.code ?? ''}`);
  if (code === 1008 || code === 4000 || (lastError && FATAL_ERROR_CODES.has(lastError.code))) {
    if (authLike)
      return {
        retry: false,
        code: 'PROVIDER_AUTH_FAILED',
        message: `${label} rejected the API key (${detail}). Check the key.`,
      };
    return {
      retry: false,
      code: 'PROVIDER_ERROR',
      message: `${label} ended the session: ${detail}. Check the model and settings.`,
    };
  }
  return {
    retry: true,
    code: 'WS_CLOSED',
    message: `The connection to ${label} closed (${code}${reason ? ` ${reason}` : ''}). Earshot is reconnecting without losing audio.`,
  };
}
