import type { AudioFrame, FrameSource } from '../../../shared/audio-frame.ts';

/**
 * A source whose frames pass through `route` on their way to the session: meeting mode sees
 * every frame of both sources (clock, watchdog, echo gate) without the session knowing.
 * `route(frame, deliver)` calls `deliver` for each frame to pass on, now or later (the echo
 * gate holds mic frames briefly); `flush` is called once the inner source stopped, so frames
 * still held are delivered before `stop()` resolves, as FrameSource promises.
 */
export function tappedSource(
  inner: FrameSource,
  route: (frame: AudioFrame, deliver: (frame: AudioFrame) => void) => void,
  flush: () => void = () => {},
): FrameSource {
  return {
    sampleRate: inner.sampleRate,
    ended: inner.ended,
    start: (onFrame) => inner.start((frame) => route(frame, onFrame)),
    async stop() {
      await inner.stop();
      flush();
    },
  };
}
