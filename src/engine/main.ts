import { connectParentPort } from '../platform/process/parent-port.ts';
import { EarshotError } from '../shared/errors.ts';
import type { EngineChildConfig, EngineChildMessage } from '../shared/engine-process.ts';
import { startEngine, type RunningEngine } from './engine.ts';

/**
 * The engine process entry (an Electron utility process in the app, a forked Node child
 * elsewhere). Its settings arrive as JSON in EARSHOT_ENGINE_CONFIG; it reports
 * `{type: 'listening', …}` and then `ready`, or `{type: 'start_failed', code, message}` and
 * exits 1 when the model cannot load (restarting would not help).
 */

let engine: RunningEngine | null = null;
const port = connectParentPort({ onParentGone: () => void shutdown(0), onShutdown: () => void shutdown(0) });

async function shutdown(code: number): Promise<never> {
  const running = engine;
  engine = null;
  if (running) await running.close();
  process.exit(code);
}

try {
  const raw = process.env['EARSHOT_ENGINE_CONFIG'];
  if (!raw)
    throw new EarshotError(
      'ENGINE_START_FAILED',
      'EARSHOT_ENGINE_CONFIG is not set: start the engine through startLocalEngine.',
    );
  const config = JSON.parse(raw) as EngineChildConfig;
  engine = await startEngine({
    modelDir: config.modelDir,
    vadModelPath: config.vadModelPath ?? null,
    host: config.host,
    port: config.port,
    token: config.token,
    ...(config.workers ? { workers: config.workers } : {}),
    ...(config.workerPath ? { workerPath: config.workerPath } : {}),
  });
  const listening: EngineChildMessage = {
    type: 'listening',
    url: engine.url,
    port: engine.port,
    token: engine.token,
    model: engine.model,
  };
  port.post(listening);
  port.ready();
} catch (error) {
  const failed: EngineChildMessage = {
    type: 'start_failed',
    code: error instanceof EarshotError ? error.code : 'ENGINE_START_FAILED',
    message: (error as Error).message,
  };
  port.post(failed);
  port.fatal(error);
}
