import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import {
  hostAllowed,
  hostRuleFor,
  isLoopbackHost,
  isWildcardHost,
  machineHostRuleFor,
  machineNames,
  originAllowed,
  type HostRule,
} from './host-guard.ts';

function request(host: string | undefined, origin?: string): IncomingMessage {
  const headers: Record<string, string> = {};
  if (host !== undefined) headers['host'] = host;
  if (origin !== undefined) headers['origin'] = origin;
  return { headers } as unknown as IncomingMessage;
}

const allows = (rule: HostRule, host: string | undefined): boolean => hostAllowed(request(host), rule);

describe('loopback and wildcard hosts', () => {
  it('knows loopback addresses', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', 'LOCALHOST'])
      expect(isLoopbackHost(host), host).toBe(true);
    for (const host of ['0.0.0.0', '192.168.1.2', '::', 'example.com', '128.0.0.1'])
      expect(isLoopbackHost(host), host).toBe(false);
  });

  it('knows wildcard binds', () => {
    for (const host of ['0.0.0.0', '::', '[::]']) expect(isWildcardHost(host), host).toBe(true);
    expect(isWildcardHost('127.0.0.1')).toBe(false);
  });
});

describe('hostAllowed', () => {
  it('on a loopback rule, answers only loopback names (DNS rebinding)', () => {
    const rule: HostRule = { names: 'loopback', allowMissing: true };
    expect(allows(rule, '127.0.0.1:8080')).toBe(true);
    expect(allows(rule, 'localhost:8080')).toBe(true);
    expect(allows(rule, '[::1]:8080')).toBe(true);
    expect(allows(rule, undefined)).toBe(true);
    expect(allows(rule, 'evil.example:8080')).toBe(false);
    expect(allows(rule, '127.0.0.1.evil.example')).toBe(false);
    expect(allows(rule, 'user@127.0.0.1')).toBe(false);
  });

  it('refuses a missing Host unless the rule allows it', () => {
    expect(allows({ names: 'loopback' }, undefined)).toBe(false);
  });

  it('checks the port when the rule names one', () => {
    const rule = hostRuleFor('127.0.0.1', 8080);
    expect(allows(rule, 'localhost:8080')).toBe(true);
    expect(allows(rule, 'LOCALHOST:8080')).toBe(true);
    expect(allows(rule, 'localhost:8081')).toBe(false);
    expect(allows(rule, 'localhost')).toBe(false);
    expect(allows(rule, undefined)).toBe(false);
  });

  it('answers a specific address by that name only, and anything on a wildcard bind', () => {
    expect(allows(hostRuleFor('192.168.1.5', 80), '192.168.1.5:80')).toBe(true);
    expect(allows(hostRuleFor('192.168.1.5', 80), 'localhost:80')).toBe(false);
    expect(allows(hostRuleFor('fe80::1', 80), '[FE80::1]:80')).toBe(true);
    expect(allows(hostRuleFor('0.0.0.0', 80), 'any.name:1')).toBe(true);
    expect(allows(hostRuleFor('::', 80), undefined)).toBe(true);
  });
});

describe('originAllowed', () => {
  const rule = hostRuleFor('127.0.0.1', 8080);
  const origin = (value: string | undefined, host = '127.0.0.1:8080', r = rule): boolean =>
    originAllowed(request(host, value), r);

  it('lets non-browser clients (no Origin) through: the token decides', () => {
    expect(origin(undefined)).toBe(true);
  });

  it('accepts only pages of this server', () => {
    expect(origin('http://127.0.0.1:8080')).toBe(true);
    expect(origin('http://localhost:8080')).toBe(true);
    expect(origin('http://localhost:3000')).toBe(false);
    expect(origin('http://evil.example')).toBe(false);
    expect(origin('null')).toBe(false);
    expect(origin('file://')).toBe(false);
  });

  it('on a wildcard bind, wants the Origin to name the host the request was sent to', () => {
    const any = hostRuleFor('0.0.0.0', 8080);
    expect(origin('http://box.lan:8080', 'box.lan:8080', any)).toBe(true);
    expect(origin('http://box.lan:3000', 'box.lan:8080', any)).toBe(false);
  });
});

describe('machineNames and machineHostRuleFor', () => {
  const interfaces = {
    lo: [{ address: '127.0.0.1', family: 'IPv4' }],
    eth0: [
      { address: '192.168.7.20', family: 'IPv4' },
      { address: 'fe80::1c2:3', family: 'IPv6', scopeid: 2 },
    ],
  } as unknown as Parameters<typeof machineNames>[0];

  it('lists the interface addresses, the host name and loopback', () => {
    const names = machineNames(interfaces, 'LabBox');
    expect(names).toEqual(
      expect.arrayContaining([
        'localhost',
        '127.0.0.1',
        '[::1]',
        '192.168.7.20',
        '[fe80::1c2:3]',
        'labbox',
        'labbox.local',
      ]),
    );
  });

  it('answers only those names, on that port, when bound to every interface', () => {
    const rule = machineHostRuleFor('0.0.0.0', 8443, machineNames(interfaces, 'labbox'));
    expect(allows(rule, '192.168.7.20:8443')).toBe(true);
    expect(allows(rule, 'labbox.local:8443')).toBe(true);
    expect(allows(rule, '[fe80::1c2:3]:8443')).toBe(true);
    expect(allows(rule, 'evil.example:8443')).toBe(false);
    expect(allows(rule, '192.168.7.20:8444')).toBe(false);
    expect(allows(rule, undefined)).toBe(false);
    // A specific address keeps the strict rule for that address.
    expect(machineHostRuleFor('192.168.7.20', 80)).toEqual(hostRuleFor('192.168.7.20', 80));
  });
});
