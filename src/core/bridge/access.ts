import type { IncomingMessage } from 'node:http';
import { hostAllowed, originAllowed, type HostRule } from '../../platform/net/host-guard.ts';
import { offeredSubprotocols, presentedToken } from '../../platform/net/presented-token.ts';
import { tokenMatches } from '../../platform/net/token-compare.ts';
import { WEB_BRIDGE_PATH, WEB_BRIDGE_PROTOCOL, WEB_BRIDGE_TOKEN_PREFIX } from '../../shared/ipc/web-bridge-protocol.ts';

/**
 * Who may use the bridge. The token is the authority; the Host and Origin checks stop a web
 * page elsewhere from reaching the loopback server through DNS rebinding or a cross-site socket.
 */

export interface Refusal {
  readonly status: number;
  readonly message: string;
}

/** Why a WebSocket upgrade must be refused, or null to accept it. */
export function upgradeRefusal(request: IncomingMessage, hostRule: HostRule, token: string): Refusal | null {
  const path = (request.url ?? '').split('?')[0];
  if (path !== WEB_BRIDGE_PATH) return { status: 404, message: `The bridge is at ${WEB_BRIDGE_PATH}.` };
  if (!hostAllowed(request, hostRule) || !originAllowed(request, hostRule)) {
    return { status: 403, message: 'Only the page this bridge serves may connect.' };
  }
  if (!tokenMatches(bridgeTokenFrom(request), token)) {
    return {
      status: 401,
      message: `Missing or wrong token: offer ${WEB_BRIDGE_PROTOCOL} and ${WEB_BRIDGE_TOKEN_PREFIX}<token>.`,
    };
  }
  return null;
}

/**
 * The token from `Sec-WebSocket-Protocol: earshot.bridge.v1, earshot.token.<hex>`. It counts
 * only beside the bridge protocol: without that the handshake could not agree on one.
 */
export function bridgeTokenFrom(request: IncomingMessage): string | null {
  if (!offeredSubprotocols(request).includes(WEB_BRIDGE_PROTOCOL)) return null;
  return presentedToken(request, { subprotocolPrefix: WEB_BRIDGE_TOKEN_PREFIX });
}
