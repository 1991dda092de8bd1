import { connectParentPort } from '../platform/process/parent-port.ts';
import { EarshotError } from '../shared/errors.ts';
import { ENGINE_CONFIG_ENV, parseEngineConfig, type EngineChildMessage } from '../shared/engine-process.ts';
import { startEngine, type RunningEngine } from './engine.ts';

/**
 * The engine process entry (an Electron utility process in the app, a forked Node child
 * elsewhere). Its settings arrive as JSON in EARSHOT_ENGINE_CONFIG (src/shared/engine-process.ts);
 * it reports `{type: 'listening', …}` and then `ready`, or `{type: 'start_failed', code, message}`
 * and exits 1 when the configuration is malformed or the model cannot load (restarting would
 * not help).
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
  const config = parseEngineConfig(process.env[ENGINE_CONFIG_ENV]);
  engine = await startEngine({
    modelDir: config.modelDir,
    vadModelPath: config.vadModelPath ?? null,
    host: config.host,
    port: config.port,
    token: config.token,
    ...(config.workers ? { workers: config.workers } : {}),
    ...(config.workerPath ? { workerPath: config.workerPath } : {}),
  });
  port.post({
    type: 'listening',
    url: engine.url,
    port: engine.port,
    token: engine.token,
    model: engine.model,
  } satisfies EngineChildMessage);
  port.ready();
} catch (error) {
  port.post({
    type: 'start_failed',
    code: error instanceof EarshotError ? error.code : 'ENGINE_START_FAILED',
    message: (error as Error).message,
  } satisfies EngineChildMessage);
  port.fatal(error);
}
