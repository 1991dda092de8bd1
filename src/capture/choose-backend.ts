import type { AudioBackend } from './audio-backend.ts';
import type { HelperClient } from './helper-client.ts';
import { portAudioBackend } from './portaudio-backend.ts';
import { pulseBackend } from './pulse-backend.ts';
import { detectSoundServer } from './pulse-server.ts';
import type { LogLevel } from './service-io.ts';

/**
 * Which route to the machine's audio the capture process takes. On Linux, the sound server
 * when one answers: it alone knows the person's microphones, headsets and output monitors by
 * name (PortAudio's ALSA backend lists the raw hardware the server holds busy, plus "default"
 * and "pulse"). PortAudio elsewhere (macOS, Windows) and where no server runs.
 * EARSHOT_AUDIO_BACKEND=portaudio forces PortAudio (the ALSA-only fallback, for tests).
 */
export async function chooseBackend(
  helpers: HelperClient,
  log: (level: LogLevel, message: string) => void,
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): Promise<AudioBackend & { dispose?(): void }> {
  const forced = env['EARSHOT_AUDIO_BACKEND'];
  if (platform === 'linux' && forced !== 'portaudio') {
    const server = await detectSoundServer();
    if (server.ok) {
      const backend = pulseBackend(server.info, log);
      log('info', `audio backend: ${backend.description ?? 'sound server'}`);
      return backend;
    }
    log('info', `audio backend: PortAudio (no sound server answered: ${server.reason})`);
  } else {
    log('info', `audio backend: PortAudio${forced === 'portaudio' ? ' (EARSHOT_AUDIO_BACKEND=portaudio)' : ''}`);
  }
  return portAudioBackend(helpers);
}
