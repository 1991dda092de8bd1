import { spawnNodeChild } from '../../platform/process/node-spawn.ts';
import { CaptureHost } from './capture-host.ts';
import { CAPTURE_ENTRY } from './entry.ts';

/** A CaptureHost whose process is a plain Node child (CLI, tests, web bridge). */
export function createNodeCaptureHost(env: NodeJS.ProcessEnv = {}): CaptureHost {
  const childEnv: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) if (value !== undefined) childEnv[name] = value;
  return new CaptureHost({ spawn: spawnNodeChild, modulePath: CAPTURE_ENTRY, env: childEnv });
}
