import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'electron-vite';
import { resolve } from 'node:path';

/**
 * Main bundles four entries: the app itself, the capture and engine utility processes, and
 * the CLI. Native addons (naudiodon, sherpa-onnx) stay external: they are loaded from
 * node_modules (unpacked from the asar) at run time.
 */
const external = ['naudiodon', 'sherpa-onnx-node', /^sherpa-onnx-/];

export default defineConfig({
  main: {
    build: {
      rollupOptions: {
        external,
        input: {
          index: resolve(import.meta.dirname, 'src/main/index.ts'),
          capture: resolve(import.meta.dirname, 'src/capture/main.ts'),
          engine: resolve(import.meta.dirname, 'src/engine/main.ts'),
          'decode-worker': resolve(import.meta.dirname, 'src/engine/decode-worker.ts'),
          cli: resolve(import.meta.dirname, 'src/cli/main.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      // A sandboxed preload can require only `electron`: zod and the contract are bundled in.
      externalizeDeps: false,
      rollupOptions: {
        input: {
          index: resolve(import.meta.dirname, 'src/preload/index.ts'),
          // The hidden system-audio capture window's preload (docs/system-audio.md).
          'system-audio': resolve(import.meta.dirname, 'src/preload/system-audio.ts'),
        },
        // A sandboxed preload cannot be an ES module.
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(import.meta.dirname, 'src/renderer'),
    plugins: [svelte({ configFile: resolve(import.meta.dirname, 'svelte.config.js') })],
    build: {
      rollupOptions: {
        input: {
          index: resolve(import.meta.dirname, 'src/renderer/index.html'),
          // The hidden capture page of system audio on macOS and Windows: out/renderer/system-audio/index.html.
          'system-audio': resolve(import.meta.dirname, 'src/renderer/system-audio/index.html'),
        },
      },
    },
  },
});
