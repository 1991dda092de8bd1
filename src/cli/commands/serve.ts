import { startEngine } from '../../engine/engine.ts';
import { EarshotError } from '../../shared/errors.ts';
import { defineCommand, EXIT_OK } from '../command.ts';
import { UsageError } from '../errors.ts';

const usage = `Usage: earshot serve [options]

Runs the offline speech engine as an OpenAI-Realtime-compatible WebSocket server
(transcription sessions; see docs/engine-protocol.md). Prints one JSON line when ready:
  {"event":"listening","url":"ws://127.0.0.1:PORT/v1/realtime","token":"…"}
and exits 0 on Ctrl+C / SIGTERM.

Options:
  --model-dir DIR     model folder with earshot-model.json (default: $EARSHOT_MODEL_DIR)
  --vad-model FILE    Silero VAD model (default: $EARSHOT_VAD_MODEL, or found beside the model)
  --host HOST         address to bind (default 127.0.0.1)
  --port N            port (default 0: a free one)
  --token T           token clients must send (default: random, printed)
  --allow-remote      required to bind a non-loopback address (needs --token)
  --tls-cert FILE     serve wss:// with this certificate (PEM) …
  --tls-key FILE      … and this key (PEM)
  --workers N         decode threads (default: one per core, at most 4)
`;

const command = defineCommand({
  usage,
  options: {
    'model-dir': { type: 'string' },
    'vad-model': { type: 'string' },
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '0' },
    token: { type: 'string' },
    'allow-remote': { type: 'boolean', default: false },
    'tls-cert': { type: 'string' },
    'tls-key': { type: 'string' },
    workers: { type: 'string' },
  },
  async run(values, io) {
    const modelDir = values['model-dir'] ?? io.env['EARSHOT_MODEL_DIR'];
    if (!modelDir)
      throw new EarshotError('MODEL_MISSING', 'No model folder given: pass --model-dir DIR or set EARSHOT_MODEL_DIR.');
    const port = Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw new UsageError(`--port must be 0–65535, not "${values.port}".`);
    const workers = values.workers === undefined ? undefined : Number(values.workers);
    if (workers !== undefined && (!Number.isInteger(workers) || workers < 1 || workers > 64))
      throw new UsageError('--workers must be 1–64.');
    if (Boolean(values['tls-cert']) !== Boolean(values['tls-key']))
      throw new UsageError('--tls-cert and --tls-key go together.');
    if (values.token !== undefined && values.token.length < 8)
      throw new UsageError('--token must be at least 8 characters.');

    const engine = await startEngine({
      modelDir,
      vadModelPath: values['vad-model'] ?? null,
      host: values.host,
      port,
      allowRemote: values['allow-remote'],
      env: io.env,
      ...(values.token ? { token: values.token } : {}),
      ...(workers ? { workers } : {}),
      ...(values['tls-cert'] && values['tls-key']
        ? { tls: { certFile: values['tls-cert'], keyFile: values['tls-key'] } }
        : {}),
    });
    io.stdout.write(`${JSON.stringify({ event: 'listening', url: engine.url, token: engine.token })}\n`);
    if (!io.signal.aborted)
      await new Promise<void>((resolve) => io.signal.addEventListener('abort', () => resolve(), { once: true }));
    await engine.close();
    return EXIT_OK;
  },
});

export default command;
