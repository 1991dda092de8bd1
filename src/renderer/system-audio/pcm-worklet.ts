import { PcmChunker } from '../../shared/system-audio/pcm-chunker.ts';

/**
 * The AudioWorklet side of system-audio capture: downmixes each render quantum to mono and
 * posts 20 ms Float32 chunks at the context's rate, each with the context frame of its first
 * sample (the page turns that into a capture time). The buffer is transferred, not copied.
 */

// The AudioWorkletGlobalScope is not in TypeScript's DOM library; these are the parts used here.
declare const sampleRate: number;
declare const currentFrame: number;
declare class AudioWorkletProcessor {
  readonly port: MessagePort;
}
declare function registerProcessor(name: string, processor: new () => AudioWorkletProcessor): void;

class PcmChunkProcessor extends AudioWorkletProcessor {
  readonly #chunker = new PcmChunker(sampleRate);

  process(inputs: Float32Array[][]): boolean {
    this.#chunker.push(inputs[0] ?? [], currentFrame, (chunk) => {
      this.port.postMessage(chunk, [chunk.samples.buffer]);
    });
    // Keep running while the graph lives, even through silence (no input channels).
    return true;
  }
}

registerProcessor('earshot-pcm-chunker', PcmChunkProcessor);
