import workletUrl from './pcm-worklet.ts?worker&url';
import type { CaptureBridge, CaptureFailure } from '../../shared/system-audio/capture-messages.ts';
import type { PcmChunk } from '../../shared/system-audio/pcm-chunker.ts';

/**
 * The hidden capture page: asks for display media (main's handler answers with a screen and
 * loopback audio), stops the video track at once, and runs the audio track through an
 * AudioWorklet that posts 20 ms mono chunks. Each chunk's capture time comes from the audio
 * context's clock mapped to wall-clock time (getOutputTimestamp), so stamps follow the sample
 * count, not message timing. Main resamples to the session's rate and packs the frames.
 */
declare global {
  interface Window {
    earshotCapture?: CaptureBridge;
    earshotStartCapture?: () => Promise<void>;
  }
}

function fail(bridge: CaptureBridge, stage: CaptureFailure['stage'], error: unknown): void {
  const name = error instanceof DOMException || error instanceof Error ? error.name : 'Error';
  const message = error instanceof Error ? error.message : String(error);
  bridge.post({ type: 'failed', stage, name, message: message.slice(0, 1_000) });
}

/** Wall-clock ms of context frame `frame`, through the context's latest clock correlation. */
function frameToWallMs(context: AudioContext, frame: number): number {
  const stamp = context.getOutputTimestamp();
  const contextTime = stamp.contextTime ?? context.currentTime;
  const performanceTime = stamp.performanceTime ?? performance.now();
  return performance.timeOrigin + performanceTime + (frame / context.sampleRate - contextTime) * 1000;
}

async function start(bridge: CaptureBridge): Promise<void> {
  let stream: MediaStream;
  try {
    stream = await navigator.mediaDevices.getDisplayMedia({ audio: true, video: true });
  } catch (error) {
    fail(bridge, 'get-display-media', error);
    return;
  }
  // The video only carried the audio grant: stop it so no frames are captured or encoded.
  for (const track of stream.getVideoTracks()) track.stop();
  const track = stream.getAudioTracks()[0];
  if (!track) {
    fail(bridge, 'no-audio-track', new DOMException('The display-media stream has no audio track.', 'NotFoundError'));
    return;
  }
  let hadAudio = false;
  track.addEventListener('ended', () => bridge.post({ type: 'ended', hadAudio }));
  try {
    const context = new AudioContext({ latencyHint: 'interactive' });
    await context.audioWorklet.addModule(workletUrl);
    const source = context.createMediaStreamSource(new MediaStream([track]));
    const node = new AudioWorkletNode(context, 'earshot-pcm-chunker', { numberOfOutputs: 0 });
    node.port.onmessage = (event: MessageEvent<PcmChunk>) => {
      hadAudio = true;
      const { startFrame, samples } = event.data;
      bridge.post({ type: 'chunk', captureTimeMs: frameToWallMs(context, startFrame), samples });
    };
    source.connect(node);
    await context.resume();
    bridge.post({
      type: 'started',
      sampleRate: context.sampleRate,
      channels: track.getSettings().channelCount ?? 2,
      trackLabel: track.label.slice(0, 200),
    });
    // A track that is already over (macOS without permission) fires no `ended` event.
    if (track.readyState === 'ended') bridge.post({ type: 'ended', hadAudio });
  } catch (error) {
    fail(bridge, 'audio-graph', error);
  }
}

const bridge = window.earshotCapture;
if (bridge) {
  let started = false;
  window.earshotStartCapture = () => {
    if (started) return Promise.resolve();
    started = true;
    return start(bridge);
  };
}
