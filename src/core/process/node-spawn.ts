import { fork } from 'node:child_process';
import type { ChildHandle, SpawnChild } from './types.ts';

/** `child_process.fork` behind the same handle as Electron's utility process. */
export const spawnNodeChild: SpawnChild = (options) => {
  const child = fork(options.modulePath, [...(options.args ?? [])], {
    env: { ...process.env, ...options.env },
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
    execArgv: [],
  });
  const handle: ChildHandle = {
    pid: child.pid,
    postMessage: (message) => {
      if (child.connected) child.send(message as never);
    },
    onMessage: (listener) => child.on('message', listener),
    onExit: (listener) => child.once('exit', listener),
    onStderr: (listener) => child.stderr?.on('data', (chunk: Buffer) => listener(chunk.toString('utf8'))),
    kill: (signal) => child.kill(signal),
  };
  // An IPC channel error (child gone mid-send) surfaces as 'exit'; do not crash the parent.
  child.on('error', () => {});
  return handle;
};
