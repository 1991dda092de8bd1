import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CaptureHost, type HelperExit } from '../../src/core/capture-host/capture-host.ts';
import { CAPTURE_ENTRY } from '../../src/core/capture-host/entry.ts';
import { spawnNodeChild } from '../../src/platform/process/node-spawn.ts';
import type { ChildHandle, SpawnChild, SpawnOptions } from '../../src/platform/process/types.ts';
import { isAlive, nextEvent, waitForExit } from '../helpers/process-events.ts';
import { REPO_ROOT } from '../helpers/paths.ts';
import { startVirtualMic, virtualMicUnavailableReason, type VirtualMic } from '../helpers/virtual-mic.ts';
import { waitForEvent } from './capture-helpers.ts';

/**
 * The capture process's helpers (device probes, presence watchers) on real processes and the
 * virtual microphone: the capture process asks its parent for them (in the app it is a utility
 * process, which cannot fork), the parent starts them with the same spawner, and they never
 * outlive the capture process.
 */
const unavailable = virtualMicUnavailableReason() ?? (process.platform === 'linux' ? null : 'reads /proc (Linux only)');

/** The spawner CaptureHost is given, recording every process it starts. */
class RecordingSpawner extends EventEmitter<{ spawned: [SpawnOptions, ChildHandle] }> {
  readonly calls: SpawnOptions[] = [];
  readonly spawn: SpawnChild = (options) => {
    const child = spawnNodeChild(options);
    this.calls.push(options);
    this.emit('spawned', options, child);
    return child;
  };
}

const spawnedAs = (flag: string) => (options: SpawnOptions) => options.args?.[0] === flag;

/** Children of a process, from /proc. */
function childPids(pid: number): number[] {
  const text = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8');
  return text.trim().split(/\s+/).filter(Boolean).map(Number);
}

function parentPid(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

describe.skipIf(unavailable !== null)(
  `capture helper processes${unavailable ? ` (skipped: ${unavailable})` : ''}`,
  () => {
    let mic: VirtualMic;
    const hosts: CaptureHost[] = [];
    const newHost = (spawner: RecordingSpawner): CaptureHost => {
      const host = new CaptureHost({ spawn: spawner.spawn, modulePath: CAPTURE_ENTRY, env: mic.env });
      hosts.push(host);
      return host;
    };

    beforeAll(async () => {
      mic = await startVirtualMic();
    });

    afterEach(async () => {
      await Promise.all(hosts.splice(0).map((h) => h.dispose()));
    });

    afterAll(async () => {
      await mic?.stop();
    });

    it('are started by the host — the capture entry with --watch/--probe — never by the capture process itself', async () => {
      const spawner = new RecordingSpawner();
      const host = newHost(spawner);
      const watcherSpawned = nextEvent<[SpawnOptions, ChildHandle]>(spawner, 'spawned', 'the presence watcher', {
        accept: spawnedAs('--watch'),
      });
      await host.start({ deviceKey: mic.deviceKey('b'), sampleRate: 16000 });
      await waitForEvent(host, 'frame', 'frames from Mic B', 10_000);
      const [, watcher] = await watcherSpawned;

      // While the stream is open, a refresh is a probe in a fresh process.
      const probeSpawned = nextEvent(spawner, 'spawned', 'the probe', { accept: spawnedAs('--probe') });
      const probeEnded = waitForEvent<HelperExit>(
        host,
        'helperExited',
        'the probe to end',
        10_000,
        (e) => e.mode === 'probe',
      );
      const devices = await host.refreshDevices();
      await probeSpawned;
      expect(devices.map((d) => d.name)).toEqual(expect.arrayContaining([mic.deviceName('a'), mic.deviceName('b')]));
      const probe = await probeEnded;
      // Asked to stop after its answer; it reported its own CPU time with it.
      expect(probe).toMatchObject({ code: 0, signal: null });
      expect(probe.cpuMs).toBeGreaterThan(0);
      expect(probe.cpuMs).toBeLessThan(5000);

      // The capture process itself, then its helpers (the device watch also probes on its own
      // schedule, so there may be more than the one probe asked for here).
      const started = spawner.calls.map((c) => JSON.stringify([c.modulePath, c.args ?? []]));
      expect(started[0]).toBe(JSON.stringify([CAPTURE_ENTRY, []]));
      expect(new Set(started.slice(1))).toEqual(
        new Set([
          JSON.stringify([CAPTURE_ENTRY, ['--watch', mic.deviceKey('b')]]),
          JSON.stringify([CAPTURE_ENTRY, ['--probe']]),
        ]),
      );
      for (const call of spawner.calls)
        expect(Object.keys(call.env ?? {}).filter((k) => /RUN_AS_NODE/.test(k))).toEqual([]);
      // The capture process has no children; the watcher is this (the host's) process's child.
      expect(childPids(host.pid!)).toEqual([]);
      expect(host.helperPids).toContain(watcher.pid);
      for (const pid of host.helperPids) expect(parentPid(pid)).toBe(process.pid);
    });

    it('never outlive the capture process: killed with it, replaced after its restart, ended by dispose', async () => {
      const spawner = new RecordingSpawner();
      const host = newHost(spawner);
      const firstWatcher = nextEvent<[SpawnOptions, ChildHandle]>(spawner, 'spawned', 'the first presence watcher', {
        accept: spawnedAs('--watch'),
      });
      await host.start({ deviceKey: mic.deviceKey('b'), sampleRate: 16000 });
      const [, watcher] = await firstWatcher;
      expect(isAlive(watcher.pid!)).toBe(true);

      const secondWatcher = nextEvent<[SpawnOptions, ChildHandle]>(
        spawner,
        'spawned',
        'the restarted process’s watcher',
        {
          accept: spawnedAs('--watch'),
          timeoutMs: 20_000,
        },
      );
      const crashed = waitForEvent(host, 'error', 'the crash report', 5000);
      process.kill(host.pid!, 'SIGKILL');
      await crashed;
      await waitForExit(watcher.pid!, 'the watcher of the killed capture process', 5000);

      const [, replacement] = await secondWatcher;
      await waitForEvent(host, 'frame', 'a frame from the restarted process', 15_000);
      expect(replacement.pid).not.toBe(watcher.pid);
      expect(host.helperPids).toContain(replacement.pid);
      expect(host.helperPids).not.toContain(watcher.pid);

      const running = host.helperPids;
      await host.dispose();
      for (const pid of running) await waitForExit(pid, 'a helper after dispose', 5000);
      expect(host.helperPids).toEqual([]);
    });

    it('exit when the host process dies (kill -9 of the app), like the capture process', async () => {
      const script = `
      import { createNodeCaptureHost } from ${JSON.stringify(join(REPO_ROOT, 'src/core/capture-host/node-capture-host.ts'))};
      const host = createNodeCaptureHost(JSON.parse(process.env.MIC_ENV));
      await host.start({ deviceKey: ${JSON.stringify(mic.deviceKey('a'))}, sampleRate: 16000 });
      // The watcher starts within a second of the stream; report once it runs (bounded).
      for (let i = 0; i < 100 && host.helperPids.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
      process.stdout.write('pids ' + host.pid + ' ' + host.helperPids.join(',') + '\\n');
    `;
      const parent = spawn(process.execPath, ['--input-type=module', '-e', script], {
        env: { ...process.env, MIC_ENV: JSON.stringify(mic.env) },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      try {
        const [capturePid, helperPids] = await new Promise<[number, number[]]>((resolve, reject) => {
          const timer = setTimeout(
            () => reject(new Error('Timed out after 20000 ms waiting for the host process to report its pids')),
            20_000,
          );
          let out = '';
          parent.stdout.setEncoding('utf8').on('data', (t: string) => {
            out += t;
            const match = /pids (\d+) ([\d,]*)\n/.exec(out);
            if (match) {
              clearTimeout(timer);
              resolve([Number(match[1]), match[2]!.split(',').filter(Boolean).map(Number)]);
            }
          });
        });
        // The watcher, and perhaps a probe the device watch started meanwhile.
        expect(helperPids.length).toBeGreaterThanOrEqual(1);
        parent.kill('SIGKILL');
        await waitForExit(capturePid, 'the capture process of the killed host', 5000);
        for (const pid of helperPids) await waitForExit(pid, 'a helper of the killed host', 5000);
      } finally {
        parent.kill('SIGKILL');
      }
    });
  },
);
