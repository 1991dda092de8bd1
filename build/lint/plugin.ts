/**
 * Earshot's own ESLint plugin: the process boundaries between the folders under src/ and a
 * ban on import cycles there. eslint.config.js loads this file as TypeScript (Node 24 strips
 * the types itself, as for every script under build/).
 */
import type { ESLint, Linter } from 'eslint';
import { join } from 'node:path';
import { noImportCycles } from './no-import-cycles.ts';
import { processBoundaries } from './process-boundaries.ts';

export const earshotPlugin: ESLint.Plugin = {
  meta: { name: 'earshot' },
  rules: {
    'process-boundaries': processBoundaries,
    'no-import-cycles': noImportCycles,
  },
};

/**
 * The config block that turns both rules on for every source file under `projectRoot`/src,
 * unit tests included. `files` is relative to the config's base path, which must be `projectRoot`.
 */
export function importRules(projectRoot: string): Linter.Config {
  const options = { srcDir: join(projectRoot, 'src') };
  return {
    files: ['src/**/*.ts', 'src/**/*.svelte'],
    plugins: { earshot: earshotPlugin },
    rules: {
      'earshot/process-boundaries': ['error', options],
      'earshot/no-import-cycles': ['error', options],
    },
  };
}
