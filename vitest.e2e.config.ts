import { defineConfig } from 'vitest/config';

/** End-to-end: real processes, the virtual microphone, headless Chromium. One file at a time. */
export default defineConfig({
  test: {
    name: 'e2e',
    environment: 'node',
    include: ['tests/e2e/**/*.test.ts'],
    testTimeout: 240_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    reporters: process.env['CI'] ? ['verbose'] : ['default'],
  },
});
