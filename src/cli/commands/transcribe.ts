import { homedir } from 'node:os';
import { join } from 'node:path';
import type { FrameSource } from '../../shared/audio-frame.ts';
import { createWavSource } from '../../core/sources/wav-source.ts';
import { createProvider } from '../../core/providers/index.ts';
import { findVadModel } from '../../platform/models/vad-model.ts';
import type { ProviderAdapter } from '../../core/providers/types.ts';
import { MeetingSession } from '../../core/session/meeting/meeting-session.ts';
import { Session } from '../../core/session/session.ts';
import { recoverInterruptedSessions } from '../../core/transcript/journal-reader.ts';
import { EarshotError } from '../../shared/errors.ts';
import { QUIT_BUDGET_MS, sessionDeadline } from '../../shared/quit-budget.ts';
import type { ProviderId } from '../../shared/session.ts';
import { defineCommand, EXIT_OK, type CliIo } from '../command.ts';
import { UsageError } from '../errors.ts';
import {
  limitSource,
  lockJournalDir,
  openMicrophone,
  startCaptions,
  startEmbeddedEngine,
  type Resource,
} from './transcribe-setup.ts';
import { cliProviderKey } from './transcribe-key.ts';
import { checkProviderOptions, type DialectOptions } from './transcribe-provider.ts';
import { TranscriptPrinter } from './transcribe-output.ts';
import { removeStaleSpillFiles } from '../../core/session/spill-file.ts';

const usage = `Usage: earshot transcribe [options]

Transcribes a microphone (default) or a WAV file live, through the same session the app
uses: reconnects without losing audio, journals every final, drains on stop. Without
--provider it starts the embedded engine itself.

Input:
  --device KEY          microphone: key, name, index or "default" (see \`earshot devices\`)
  --system KEY          also transcribe system audio (the other side of a call) from this device
                        (an output's monitor, see \`earshot devices\`): each source is its own stream,
                        both on one clock; finals carry "source": "mic" | "system" (text: You: /
                        Others:); the speakers' sound leaking into the microphone is kept out
  --input FILE.wav      stream a WAV file instead of a microphone
  --realtime | --fast   pace of --input: real time (default) or as fast as the service accepts
  --seconds N           stop after N seconds of audio

Service:
  --provider P          local (default) | openai | deepgram | assemblyai (cloud services) |
                        openai-compatible | vllm | speaches | riva (a server you run)
  --url URL             service URL: ws://, wss://, http:// or https:// (required for a server
                        you run; a base URL such as http://gpu-box:8000 or …/v1 means …/v1/realtime;
                        for local: an already running \`earshot serve\` instead of starting the engine)
  --api-key-env VAR     environment variable holding the API key (default: OPENAI_API_KEY for
                        openai, DEEPGRAM_API_KEY, ASSEMBLYAI_API_KEY, each sent only to its own
                        service; EARSHOT_ENGINE_TOKEN for local --url; none for a server you run)
  --model NAME          the service's transcription model (required for vllm and speaches: the
                        model the server runs)
  --turn-detection T    openai-compatible: server_vad (default) or manual (Earshot ends turns,
                        for models without VAD)
  --sample-rate HZ      openai-compatible: 24000 (default) or 16000
  --session-minutes N   openai-compatible: the server's session limit (default 60; 0: none)
  --language CODE       ISO-639-1 language, e.g. en
  --model-dir DIR       embedded engine model folder (default: $EARSHOT_MODEL_DIR)
  --vad-model FILE      Silero VAD model (embedded engine; client-side turns for vllm and
                        OpenAI gpt-live-transcribe / gpt-realtime-whisper)

Output:
  --format F            text (default): the partial in place on a terminal, one line per final
                        otherwise; jsonl: one JSON object per line:
                        {"type":"partial"|"final","segmentId","text","startMs","endMs"}, and
                        {"type":"state"|"warning"|"recovered"|"device"|"health", …}; a lost
                        microphone is a warning with code DEVICE_LOST. A partial with empty
                        text withdraws that partial.
  --journal-dir DIR     where session journals go (default: $EARSHOT_JOURNAL_DIR or
                        ~/.local/share/earshot/journal); interrupted sessions found there are
                        recovered and reported at start
  --captions-port P     also serve the live captions (overlay page and WebSocket) on port P
  --captions-token T    token for the captions server (default: random, printed)
  --captions-host H     address for the captions server (default 127.0.0.1)

Exits 0 after draining at the end of the input or on Ctrl+C / SIGTERM (a quit: it waits
for the last words at most ${QUIT_BUDGET_MS / 1000} s, then saves the words on screen as they are);
otherwise prints error[CODE]: message and exits non-zero.
`;

const command = defineCommand({
  usage,
  options: {
    device: { type: 'string' },
    system: { type: 'string' },
    input: { type: 'string' },
    realtime: { type: 'boolean', default: false },
    fast: { type: 'boolean', default: false },
    seconds: { type: 'string' },
    provider: { type: 'string' },
    url: { type: 'string' },
    'api-key-env': { type: 'string' },
    model: { type: 'string' },
    'turn-detection': { type: 'string' },
    'sample-rate': { type: 'string' },
    'session-minutes': { type: 'string' },
    language: { type: 'string' },
    'model-dir': { type: 'string' },
    'vad-model': { type: 'string' },
    format: { type: 'string', default: 'text' },
    'journal-dir': { type: 'string' },
    'captions-port': { type: 'string' },
    'captions-token': { type: 'string' },
    'captions-host': { type: 'string' },
  },
  async run(values, io) {
    if (values.realtime && values.fast) throw new UsageError('--realtime and --fast exclude each other.');
    if ((values.realtime || values.fast) && !values.input)
      throw new UsageError('--realtime and --fast pace an --input file.');
    if (values.input && values.device) throw new UsageError('--input and --device exclude each other.');
    if (values.input && values.system)
      throw new UsageError(
        '--system transcribes a live device beside the microphone; it does not combine with --input.',
      );
    if (values.format !== 'text' && values.format !== 'jsonl')
      throw new UsageError(`--format must be text or jsonl, not "${values.format}".`);
    const seconds = values.seconds === undefined ? null : Number(values.seconds);
    if (seconds !== null && (!Number.isFinite(seconds) || seconds <= 0))
      throw new UsageError(`--seconds must be a positive number, not "${values.seconds}".`);
    const { id: providerId, options } = checkProviderOptions(values);
    const captionsPort = values['captions-port'] === undefined ? null : Number(values['captions-port']);
    if (captionsPort !== null && (!Number.isInteger(captionsPort) || captionsPort < 0 || captionsPort > 65535)) {
      throw new UsageError(`--captions-port must be 0–65535, not "${values['captions-port']}".`);
    }

    const printer = new TranscriptPrinter(io, values.format);
    const journalDir =
      values['journal-dir'] ??
      io.env['EARSHOT_JOURNAL_DIR'] ??
      join(io.env['XDG_DATA_HOME'] ?? join(homedir(), '.local', 'share'), 'earshot', 'journal');
    const resources: Resource[] = [lockJournalDir(journalDir)];
    removeStaleSpillFiles(journalDir);
    for (const recovered of recoverInterruptedSessions(journalDir))
      printer.recovered(recovered.header.sessionId, recovered.segments.length, recovered.path);

    try {
      const provider = await resolveProvider(providerId, options, values, io, resources);
      let source: FrameSource = values.input
        ? createWavSource({
            path: values.input,
            sampleRate: provider.sampleRate,
            pace: values.fast ? 'fast' : 'realtime',
            throttle: () => session.snapshot.bufferedMs > 30_000,
            // A service that refuses audio faster than real time (AssemblyAI) gets --fast at its own limit.
            maxRealtimeFactor: provider.replayPacing?.maxRealtimeFactor ?? null,
          })
        : await openMicrophone(io, values.device ?? 'default', provider.sampleRate, resources, (notice) =>
            // Meeting mode: say which side lost its device, as the system side's notices do.
            printer.device(notice, values.system ? 'mic' : undefined),
          );
      if (seconds !== null) source = limitSource(source, seconds);
      const session: RunningSession = values.system
        ? new MeetingSession({
            mic: { source, deviceKey: values.device ?? 'default' },
            system: {
              source: await openMicrophone(
                io,
                values.system,
                provider.sampleRate,
                resources,
                (notice) => printer.device(notice, 'system'),
                false,
              ),
              deviceKey: values.system,
            },
            provider,
            journalDir,
          })
        : new Session({
            source,
            provider,
            journalDir,
            deviceKey: values.input ? null : (values.device ?? 'default'),
          });
      const captions =
        captionsPort === null
          ? null
          : await startCaptions(
              io,
              { port: captionsPort, token: values['captions-token'], host: values['captions-host'] },
              resources,
            );
      session.on('transcript', (event) => {
        printer.transcript(event);
        captions?.publishTranscript(event);
      });
      session.on('snapshot', (snapshot) => {
        printer.state(snapshot);
        captions?.publishSession(snapshot.state);
      });
      session.on('warning', (warning) => printer.warning(warning));
      return await runSession(session, source, io, printer);
    } finally {
      for (const resource of resources.reverse()) await resource.close();
    }
  },
});

/** A lone source's Session, or meeting mode's pair of them: the same surface. */
type RunningSession = Session | MeetingSession;

async function runSession(
  session: RunningSession,
  source: FrameSource,
  io: CliIo,
  printer: TranscriptPrinter,
): Promise<number> {
  const aborted = new Promise<void>((resolve) => {
    if (io.signal.aborted) resolve();
    io.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  const failed = new Promise<void>((resolve) => session.on('snapshot', (s) => s.state === 'error' && resolve()));
  await Promise.race([session.start(), aborted]);
  await Promise.race([source.ended, aborted, failed]);
  const error = session.snapshot.error;
  // Ctrl+C or SIGTERM is a quit: done within the quit budget, like the app. The end of the input is not.
  const final = io.signal.aborted
    ? await session.finishBy(sessionDeadline(Date.now() + QUIT_BUDGET_MS, Date.now()))
    : await session.stop();
  printer.end(session.journalPath);
  if (error) throw new EarshotError(error.code as never, error.message);
  return final.state === 'idle' ? EXIT_OK : 1;
}

async function resolveProvider(
  id: ProviderId,
  options: DialectOptions,
  values: {
    url?: string | undefined;
    'api-key-env'?: string | undefined;
    model?: string | undefined;
    language?: string | undefined;
    'model-dir'?: string | undefined;
    'vad-model'?: string | undefined;
  },
  io: CliIo,
  resources: Resource[],
): Promise<ProviderAdapter> {
  const common = {
    ...(values.model ? { model: values.model } : {}),
    ...(values.language ? { language: values.language } : {}),
    ...options,
  };
  if (id === 'local' && !values.url) {
    const engine = await startEmbeddedEngine(
      io,
      values['model-dir'] ?? io.env['EARSHOT_MODEL_DIR'],
      values['vad-model'],
      resources,
    );
    return createProvider({ id, url: engine.url, apiKey: engine.token, ...common });
  }
  const key = cliProviderKey(id, values, io.env);
  if (key.notice) io.stderr.write(`${key.notice}\n`);
  // Servers without VAD (vLLM, OpenAI's no-VAD models) need Silero for client-side turns.
  const vadModelPath = findVadModel({ explicit: values['vad-model'] ?? null, env: io.env });
  return createProvider({
    id,
    ...(key.url ? { url: key.url } : {}),
    ...(key.apiKey ? { apiKey: key.apiKey } : {}),
    ...(vadModelPath ? { vadModelPath } : {}),
    ...common,
  });
}

export default command;
