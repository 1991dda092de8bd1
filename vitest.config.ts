import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vitest/config';

/**
 * Unit and integration tests: Node for everything but the renderer, whose component tests
 * run in jsdom. Browser end-to-end tests live in vitest.e2e.config.ts.
 */
export default defineConfig({
  plugins: [svelte()],
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'node',
          environment: 'node',
          include: ['src/**/*.test.ts', 'tests/integration/**/*.test.ts'],
          exclude: ['src/renderer/**'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        resolve: { conditions: ['browser'] },
        test: {
          name: 'renderer',
          environment: 'jsdom',
          include: ['src/renderer/**/*.test.ts'],
          setupFiles: ['tests/helpers/jsdom-setup.ts'],
        },
      },
    ],
    // CI lists every test by name, so a skipped one shows its reason in the log.
    reporters: process.env['CI'] ? ['verbose'] : ['default'],
  },
});
