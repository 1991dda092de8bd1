import { fork } from 'node:child_process';
import { childEnvironment } from './child-env.ts';
import type { ChildHandle, SpawnChild } from './types.ts';

/** `child_process.fork` behind the same handle as Electron's utility process. */
export const spawnNodeChild: SpawnChild = (options) => {
  const child = fork(options.modulePath, [...(options.args ?? [])], {
    // Never the person's API keys: see child-env.ts.
    env: childEnvironment(process.env, options.env),
    serialization: 'advanced',
    // stdout is piped, never inherited: the CLI's stdout carries its own output (JSON, jsonl),
    // and native code in a child (PortAudio banners) must not write into it.
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    execArgv: [],
  });
  // Always drained, listened to or not: a full pipe would block the child's next write.
  const stdoutListeners: ((text: string) => void)[] = [];
  child.stdout?.on('data', (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    for (const listener of stdoutListeners) listener(text);
  });
  const handle: ChildHandle = {
    pid: child.pid,
    postMessage: (message) => {
      if (child.connected) child.send(message as never);
    },
    onMessage: (listener) => child.on('message', listener),
    onExit: (listener) => child.once('exit', listener),
    onStderr: (listener) => child.stderr?.on('data', (chunk: Buffer) => listener(chunk.toString('utf8'))),
    onStdout: (listener) => stdoutListeners.push(listener),
    kill: (signal) => child.kill(signal),
  };
  // An IPC channel error (child gone mid-send) surfaces as 'exit'; do not crash the parent.
  child.on('error', () => {});
  return handle;
};
