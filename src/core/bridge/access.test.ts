import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { hostRuleFor } from '../../platform/net/host-guard.ts';
import { WEB_BRIDGE_PATH, WEB_BRIDGE_PROTOCOL, WEB_BRIDGE_TOKEN_PREFIX } from '../../shared/ipc/web-bridge-protocol.ts';
import { bridgeTokenFrom, upgradeRefusal } from './access.ts';

const TOKEN = 'ab'.repeat(32);
const rule = hostRuleFor('127.0.0.1', 8080);

function request(headers: Record<string, string>, url = WEB_BRIDGE_PATH): IncomingMessage {
  return { url, headers: { host: '127.0.0.1:8080', ...headers } } as unknown as IncomingMessage;
}

const offering = (...protocols: string[]) => ({ 'sec-websocket-protocol': protocols.join(', ') });
const good = offering(WEB_BRIDGE_PROTOCOL, `${WEB_BRIDGE_TOKEN_PREFIX}${TOKEN}`);

describe('bridge access', () => {
  it('reads the token only beside the bridge protocol', () => {
    expect(bridgeTokenFrom(request(good))).toBe(TOKEN);
    expect(bridgeTokenFrom(request(offering(`${WEB_BRIDGE_TOKEN_PREFIX}${TOKEN}`)))).toBeNull();
    expect(bridgeTokenFrom(request(offering(WEB_BRIDGE_PROTOCOL)))).toBeNull();
  });

  it('accepts its own page with the token', () => {
    expect(upgradeRefusal(request({ ...good, origin: 'http://127.0.0.1:8080' }), rule, TOKEN)).toBeNull();
    expect(upgradeRefusal(request(good), rule, TOKEN)).toBeNull();
  });

  it('refuses a wrong path (404), a foreign host or page (403), then a missing or wrong token (401)', () => {
    expect(upgradeRefusal(request(good, '/elsewhere'), rule, TOKEN)?.status).toBe(404);
    expect(upgradeRefusal(request({ ...good, host: 'evil.example:8080' }), rule, TOKEN)?.status).toBe(403);
    expect(upgradeRefusal(request({ ...good, origin: 'http://evil.example' }), rule, TOKEN)?.status).toBe(403);
    expect(upgradeRefusal(request(offering(WEB_BRIDGE_PROTOCOL)), rule, TOKEN)?.status).toBe(401);
    expect(upgradeRefusal(request(good), rule, 'cd'.repeat(32))?.status).toBe(401);
  });
});
