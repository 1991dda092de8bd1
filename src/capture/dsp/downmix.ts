/**
 * Interleaved PCM16 from the device → mono floats in [-1, 1). Channels are averaged, which
 * keeps a voice on one side of a stereo mic at half level rather than losing it, and never
 * clips (a plain sum would).
 */
export function downmixToMono(interleaved: Int16Array, channels: number, out?: Float32Array): Float32Array {
  const frames = Math.floor(interleaved.length / channels);
  const mono = out && out.length >= frames ? out.subarray(0, frames) : new Float32Array(frames);
  if (channels === 1) {
    for (let i = 0; i < frames; i++) mono[i] = interleaved[i]! / 32768;
    return mono;
  }
  const scale = 1 / (32768 * channels);
  for (let i = 0, j = 0; i < frames; i++) {
    let sum = 0;
    for (let c = 0; c < channels; c++, j++) sum += interleaved[j]!;
    mono[i] = sum * scale;
  }
  return mono;
}
