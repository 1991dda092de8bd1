import { fileURLToPath } from 'node:url';

/** Absolute path of the capture process entry, for Node (`spawnNodeChild`); the app uses its built file. */
export const CAPTURE_ENTRY = fileURLToPath(new URL('../../capture/main.ts', import.meta.url));
