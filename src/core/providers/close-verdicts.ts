import type { CloseVerdict } from './types.ts';

/**
 * How a provider judges a failed handshake or a closed socket, the same for every service: the
 * verdicts the session acts on (retry with backoff, at once, or give up) and the service's own
 * words fit to show beside them.
 */

/** Longest service message shown beside a refusal. */
const MAX_DETAIL_CHARS = 200;

/**
 * A service's own error message fit to show: one line, bounded, and never markup (an HTML
 * page means a proxy or portal answered, not the service). The transport passes only the
 * message field of the service's JSON error body; this is the second fence.
 */
export function serviceDetail(detail: string): string {
  const line = detail.replace(/[\p{Cc}\s]+/gu, ' ').trim();
  if (/[<>]/.test(line)) return '';
  return line.length > MAX_DETAIL_CHARS ? `${line.slice(0, MAX_DETAIL_CHARS - 1)}…` : line;
}

/** Common HTTP-status handling for handshakes: the same for every service. */
export function classifyHttpStatus(label: string, status: number | null, rawDetail: string): CloseVerdict {
  const detail = status === null ? rawDetail : serviceDetail(rawDetail);
  if (status === null) {
    return {
      retry: true,
      code: 'PROVIDER_UNREACHABLE',
      message: `${label} could not be reached (${detail}). Earshot keeps your audio and retries.`,
    };
  }
  if (status === 401 || status === 403) {
    return {
      retry: false,
      code: 'PROVIDER_AUTH_FAILED',
      message: `${label} rejected the API key (HTTP ${status}${detail ? `: ${detail}` : ''}). Check the key.`,
    };
  }
  if (status === 429) {
    return {
      retry: true,
      code: 'PROVIDER_RATE_LIMITED',
      message: `${label} is rate-limiting this account (HTTP 429). Earshot retries shortly.`,
    };
  }
  if (status >= 500) {
    return {
      retry: true,
      code: 'PROVIDER_UNREACHABLE',
      message: `${label} had a server error (HTTP ${status}). Earshot retries.`,
    };
  }
  return {
    retry: false,
    code: 'PROVIDER_ERROR',
    message: `${label} refused the connection (HTTP ${status}${detail ? `: ${detail}` : ''}). Check the URL and model.`,
  };
}

/** A close the session recovers from: reconnect (with backoff) and replay what is not yet accounted for. */
export function reconnectVerdict(label: string, code: number, detail: string): CloseVerdict {
  return {
    retry: true,
    code: 'WS_CLOSED',
    message: `The connection to ${label} closed (${code} ${detail}). Earshot is reconnecting without losing audio.`,
  };
}

/** The service ended the session at its time limit: reconnect at once, without backoff. */
export function expiryVerdict(label: string): CloseVerdict {
  return {
    retry: true,
    immediate: true,
    code: 'WS_CLOSED',
    message: `${label} ended the session at its time limit; Earshot reconnected.`,
  };
}

/** A close because the service refused the key: no retry can fix it. */
export function authVerdict(label: string, detail: string): CloseVerdict {
  return {
    retry: false,
    code: 'PROVIDER_AUTH_FAILED',
    message: `${label} rejected the API key (${detail}). Check the key.`,
  };
}
