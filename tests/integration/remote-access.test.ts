import { request as httpsRequest } from 'node:https';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startWebBridge, type WebBridge } from '../../src/core/bridge/web-bridge.ts';
import { readTlsFiles } from '../../src/platform/net/tls-files.ts';
import { WEB_BRIDGE_PROTOCOL, WEB_BRIDGE_TOKEN_PREFIX } from '../../src/shared/ipc/web-bridge-protocol.ts';
import { startCli, type CliProcess } from '../helpers/cli-process.ts';
import { createFakeAppCore } from '../helpers/fake-app-core.ts';
import { makeSelfSignedCert } from '../helpers/self-signed.ts';

/**
 * `earshot ui` off loopback: refused unless asked for with --allow-remote and served over TLS;
 * on a wildcard bind, only this machine's own names are answered.
 */
let dir: string;
const runs: CliProcess[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'earshot-remote-'));
});

afterEach(async () => {
  for (const run of runs.splice(0)) await run.cleanup();
  await rm(dir, { recursive: true, force: true });
});

function ui(args: readonly string[]): CliProcess {
  const run = startCli(['ui', '--data-dir', join(dir, 'data'), ...args]);
  runs.push(run);
  return run;
}

describe('earshot ui --host off loopback', () => {
  it('refuses 0.0.0.0 without --allow-remote and TLS, saying what to pass', async () => {
    const plain = ui(['--host', '0.0.0.0']);
    expect((await plain.exited(20_000)).code).toBe(2);
    expect(plain.stderr()).toMatch(
      /error\[USAGE\]: --host 0\.0\.0\.0 would let anyone on the network who gets the link use your microphone\. To do that on purpose, pass --allow-remote with --tls-cert FILE and --tls-key FILE/,
    );

    const noTls = ui(['--host', '0.0.0.0', '--allow-remote']);
    expect((await noTls.exited(20_000)).code).toBe(2);
    expect(noTls.stderr()).toContain('--tls-cert FILE and --tls-key FILE');

    const halfTls = ui(['--host', '::', '--allow-remote', '--tls-cert', join(dir, 'cert.pem')]);
    expect((await halfTls.exited(20_000)).code).toBe(2);
    expect(halfTls.stderr()).toContain('--tls-cert and --tls-key go together');
  });
});

interface Answer {
  readonly status: number;
}

function get(bridge: WebBridge, host: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      { host: '127.0.0.1', port: bridge.port, path: '/', headers: { Host: host }, rejectUnauthorized: false },
      (res) => {
        res.resume();
        resolve({ status: res.statusCode ?? 0 });
      },
    );
    req.on('error', reject);
    req.setTimeout(5_000, () => req.destroy(new Error('no answer within 5 s')));
    req.end();
  });
}

/** The status a wss upgrade gets (101 when accepted). */
function upgrade(bridge: WebBridge, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(
      `wss://127.0.0.1:${bridge.port}/bridge`,
      [WEB_BRIDGE_PROTOCOL, `${WEB_BRIDGE_TOKEN_PREFIX}${bridge.token}`],
      { headers, rejectUnauthorized: false, handshakeTimeout: 5_000 },
    );
    ws.on('open', () => {
      ws.close();
      resolve(101);
    });
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.on('error', reject);
  });
}

describe('the web bridge on a wildcard bind over TLS', () => {
  let bridge: WebBridge | null = null;
  afterEach(async () => {
    await bridge?.close();
    bridge = null;
  });

  it('answers this machine’s names only, and its own page’s origin only', async () => {
    const staticDir = join(dir, 'page');
    await mkdir(staticDir, { recursive: true });
    await writeFile(join(staticDir, 'index.html'), '<!doctype html><title>Earshot</title>');
    const tls = readTlsFiles(makeSelfSignedCert(dir));
    bridge = await startWebBridge({
      core: createFakeAppCore(),
      staticDir,
      host: '0.0.0.0',
      tls,
      machineNames: ['127.0.0.1', 'localhost', 'lan-box.local', '192.168.7.20'],
    });
    expect(bridge.pageUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/#token=/);
    expect(bridge.wsUrl).toMatch(/^wss:\/\/127\.0\.0\.1:\d+\/bridge$/);
    const port = bridge.port;

    expect((await get(bridge, `127.0.0.1:${port}`)).status).toBe(200);
    expect((await get(bridge, `lan-box.local:${port}`)).status).toBe(200);
    expect((await get(bridge, `192.168.7.20:${port}`)).status).toBe(200);
    // DNS rebinding: an attacker's name now pointing here.
    expect((await get(bridge, `evil.example:${port}`)).status).toBe(421);
    expect((await get(bridge, `lan-box.local:${port + 1}`)).status).toBe(421);

    expect(await upgrade(bridge, { Host: `lan-box.local:${port}`, Origin: `https://lan-box.local:${port}` })).toBe(101);
    expect(await upgrade(bridge, { Host: `lan-box.local:${port}`, Origin: 'https://evil.example' })).toBe(403);
    expect(await upgrade(bridge, { Host: `evil.example:${port}`, Origin: `https://evil.example:${port}` })).toBe(403);
  });
});
