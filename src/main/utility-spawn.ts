import { utilityProcess } from 'electron';
import { childEnvironment } from '../platform/process/child-env.ts';
import type { ChildHandle, SpawnChild } from '../platform/process/types.ts';

/**
 * Electron's utility process behind the same handle as `child_process.fork`, so the
 * process host, capture and engine code are identical in the app, the CLI and the tests.
 * Utility processes are Chromium-managed Node processes: they share the app's signature
 * and sandbox rules, and PortAudio callbacks there cannot stall the main process.
 */
export const spawnUtilityChild: SpawnChild = (options) => {
  // Never the person's API keys: main holds them and children never talk to a cloud service.
  const env = childEnvironment(process.env, options.env);
  const child = utilityProcess.fork(options.modulePath, [...(options.args ?? [])], {
    env,
    stdio: ['ignore', 'inherit', 'pipe'],
    serviceName: `Earshot ${options.name}`,
  });

  let exited = false;
  const stderrListeners: ((text: string) => void)[] = [];
  child.stderr?.on('data', (chunk: Buffer | string) => {
    const text = typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    for (const listener of stderrListeners) listener(text);
  });
  // V8 fatal errors arrive here, not on stderr: hand them to the host as the crash reason.
  child.on('error', (type, location) => {
    for (const listener of stderrListeners) listener(`${type} at ${location}\n`);
  });
  child.once('exit', () => {
    exited = true;
  });

  const handle: ChildHandle = {
    get pid() {
      return child.pid;
    },
    postMessage: (message) => {
      if (!exited) child.postMessage(message);
    },
    onMessage: (listener) => child.on('message', listener),
    // Electron reports only the exit code; a signal death shows up as its code.
    onExit: (listener) => child.once('exit', (code) => listener(code, null)),
    onStderr: (listener) => stderrListeners.push(listener),
    kill: (signal) => {
      if (exited) return;
      // utilityProcess.kill() asks politely (SIGTERM); a hung child needs the real SIGKILL.
      if (signal === 'SIGKILL' && child.pid !== undefined && process.platform !== 'win32')
        process.kill(child.pid, 'SIGKILL');
      else child.kill();
    },
  };
  return handle;
};
