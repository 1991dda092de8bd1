import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { createAppCore } from '../../core/app/app-core.ts';
import type { AppCore } from '../../core/app/types.ts';
import { startWebBridge, type WebBridge } from '../../core/bridge/web-bridge.ts';
import { CAPTURE_ENTRY } from '../../core/capture-host/entry.ts';
import { ENGINE_ENTRY } from '../../core/engine-host/entry.ts';
import { isLoopbackHost } from '../../platform/net/host-guard.ts';
import { readTlsFiles, type TlsFiles } from '../../platform/net/tls-files.ts';
import { spawnNodeChild } from '../../platform/process/node-spawn.ts';
import { withEnvSecrets } from '../../core/secrets/env-secrets.ts';
import { FileSecretStore } from '../../core/secrets/file-secret-store.ts';
import { EarshotError } from '../../shared/errors.ts';
import { QUIT_BUDGET_MS } from '../../shared/quit-budget.ts';
import { defineCommand, EXIT_OK } from '../command.ts';
import { UsageError } from '../errors.ts';

const usage = `Usage: earshot ui [--port P] [--host 127.0.0.1] [--data-dir DIR] [--model-dir DIR]
                  [--vad-model FILE] [--renderer-dir DIR] [--json]
                  [--allow-remote --tls-cert FILE --tls-key FILE]

Runs Earshot's window as a web page, for machines without a desktop and for testing: the
real capture, engine and session behind a small local web server. Prints the page's
address, with its access token after the #; open it in a browser on this machine. Stops
(and finishes the running session) on Ctrl+C.

Options:
  --port P            port to listen on (default 0: any free port)
  --host H            address to listen on (default 127.0.0.1). Anything but loopback lets
                      anyone on the network who has the link use your microphone, so it
                      needs --allow-remote and TLS; on 0.0.0.0 or :: only this machine's
                      own addresses and host name are answered.
  --allow-remote      required to listen on a non-loopback address
  --tls-cert FILE     serve https/wss with this certificate (PEM) …
  --tls-key FILE      … and this key (PEM); required with --allow-remote
  --data-dir DIR      settings, history and models (default: $EARSHOT_DATA_DIR, else the
                      desktop app's folder, so History is shared). One Earshot at a time
                      uses a data folder: while the desktop app has it, this one says so
                      and stops
  --model-dir DIR     a model folder to use instead of the installed ones
  --vad-model FILE    the Silero VAD model (default: found beside the models)
  --renderer-dir DIR  the built page (default: out/renderer; build it with \`npm run build\`)
  --json              print one JSON line {"event":"listening","url":…,"token":…} instead

API keys come from the environment (OPENAI_API_KEY, DEEPGRAM_API_KEY, ASSEMBLYAI_API_KEY,
EARSHOT_<PROVIDER>_API_KEY) or from keys saved in Settings, which this front end keeps in a
file readable only by you (<data-dir>/secrets.json).
`;

/** The folder Electron uses as userData for this app, so both front ends share History. */
export function defaultDataDir(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): string {
  if (env['EARSHOT_DATA_DIR']) return resolve(env['EARSHOT_DATA_DIR']);
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'earshot');
  if (platform === 'win32') return join(env['APPDATA'] ?? join(homedir(), 'AppData', 'Roaming'), 'earshot');
  return join(env['XDG_CONFIG_HOME'] || join(homedir(), '.config'), 'earshot');
}

/** The built renderer: beside the bundled CLI (out/main → out/renderer) or in the checkout. */
export function defaultRendererDir(): string {
  const candidates = [
    resolve(import.meta.dirname, '../renderer'),
    resolve(import.meta.dirname, '../../../out/renderer'),
  ];
  return candidates.find((dir) => existsSync(join(dir, 'index.html'))) ?? candidates[candidates.length - 1]!;
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`--port must be a whole number from 0 to 65535, not "${text}".`);
  return port;
}

/**
 * A non-loopback address puts the microphone on the network: asked for explicitly, and only
 * over TLS (the page carries the token, which must not cross the network in clear text).
 */
function remoteAccess(
  host: string,
  values: { 'allow-remote': boolean; 'tls-cert'?: string | undefined; 'tls-key'?: string | undefined },
): TlsFiles | null {
  const certFile = values['tls-cert'];
  const keyFile = values['tls-key'];
  if (Boolean(certFile) !== Boolean(keyFile)) throw new UsageError('--tls-cert and --tls-key go together.');
  const tls = certFile && keyFile ? { certFile, keyFile } : null;
  if (isLoopbackHost(host)) return tls;
  if (!values['allow-remote'] || !tls) {
    throw new UsageError(
      `--host ${host} would let anyone on the network who gets the link use your microphone. To do that on purpose, pass --allow-remote with --tls-cert FILE and --tls-key FILE (the page is then served over https); otherwise leave --host at 127.0.0.1.`,
    );
  }
  return tls;
}

async function waitForAbort(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return;
  await new Promise<void>((done) => signal.addEventListener('abort', () => done(), { once: true }));
}

const command = defineCommand({
  usage,
  options: {
    port: { type: 'string', default: '0' },
    host: { type: 'string', default: '127.0.0.1' },
    'data-dir': { type: 'string' },
    'model-dir': { type: 'string' },
    'vad-model': { type: 'string' },
    'renderer-dir': { type: 'string' },
    json: { type: 'boolean', default: false },
    'allow-remote': { type: 'boolean', default: false },
    'tls-cert': { type: 'string' },
    'tls-key': { type: 'string' },
  },
  async run(values, io) {
    const port = parsePort(values.port);
    const host = values.host;
    const tlsFiles = remoteAccess(host, values);
    const dataDir = values['data-dir'] ? resolve(values['data-dir']) : defaultDataDir(io.env);
    const rendererDir = values['renderer-dir'] ? resolve(values['renderer-dir']) : defaultRendererDir();
    if (!existsSync(join(rendererDir, 'index.html'))) {
      throw new EarshotError(
        'BRIDGE_UNAVAILABLE',
        `The page is not built: ${join(rendererDir, 'index.html')} is missing. Run \`npm run build\` first.`,
      );
    }
    await mkdir(dataDir, { recursive: true });

    const require = createRequire(import.meta.url);
    const { version } = require('../../../package.json') as { version: string };
    let core: AppCore | null = null;
    let bridge: WebBridge | null = null;
    try {
      core = await createAppCore({
        userDataDir: dataDir,
        spawn: spawnNodeChild,
        entries: { capture: CAPTURE_ENTRY, engine: ENGINE_ENTRY },
        secrets: withEnvSecrets(new FileSecretStore(dataDir), io.env, { prefer: 'env' }),
        appVersion: version,
        transport: 'web',
        ...(values['model-dir'] ? { modelDir: resolve(values['model-dir']) } : {}),
        ...(values['vad-model'] ? { vadModelPath: resolve(values['vad-model']) } : {}),
      });
      bridge = await startWebBridge({
        core,
        staticDir: rendererDir,
        host,
        port,
        ...(tlsFiles ? { tls: readTlsFiles(tlsFiles) } : {}),
      });
      if (values.json) {
        io.stdout.write(`${JSON.stringify({ event: 'listening', url: bridge.pageUrl, token: bridge.token })}\n`);
      } else {
        io.stdout.write(
          `Earshot is running at ${bridge.pageUrl}\nOpen it in a browser on this machine. Press Ctrl+C to stop.\n`,
        );
      }
      if (!isLoopbackHost(host)) {
        io.stderr.write(
          `warning: listening on ${host} over TLS: anyone who can reach it and has the link can use your microphone.\n`,
        );
      }
      await waitForAbort(io.signal);
      return EXIT_OK;
    } finally {
      // Ctrl+C or SIGTERM is a quit: the same budget as the app's, counted from here.
      const deadline = Date.now() + QUIT_BUDGET_MS;
      await bridge?.close();
      await core?.dispose({ deadline });
    }
  },
});

export default command;
