import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CaptureHost, type HelperExit } from '../../src/core/capture-host/capture-host.ts';
import { CAPTURE_ENTRY } from '../../src/core/capture-host/entry.ts';
import { spawnNodeChild } from '../../src/platform/process/node-spawn.ts';
import type { ChildHandle, SpawnChild, SpawnOptions } from '../../src/platform/process/types.ts';
import { nextEvent, waitForExit } from '../helpers/process-events.ts';
import { REPO_ROOT } from '../helpers/paths.ts';
import { startVirtualMic, virtualMicUnavailableReason, type VirtualMic } from '../helpers/virtual-mic.ts';
import { waitForEvent } from './capture-helpers.ts';

/**
 * The capture process's helper processes on real processes and the virtual microphone.
 *
 * - PortAudio (the fallback where no sound server answers, forced with
 *   EARSHOT_AUDIO_BACKEND=portaudio): device probes are asked of the parent (in the app the
 *   capture process is a utility process, which cannot fork) and started with its spawner.
 *   Its presence watcher serves only ALSA devices that are sound-server sources under a name
 *   of their own, which no desktop has and these tests no longer make; see needsPresenceProbe.
 * - The sound server (the default on Linux): the capture process runs the server's own
 *   clients, `pactl subscribe` and one `parec` per stream, and they never outlive it.
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

/** Every process below `pid`, children first. */
function descendants(pid: number): number[] {
  return childPids(pid).flatMap((child) => [child, ...descendants(child)]);
}

/** A process's command line, as `ps` would show it. */
function commandOf(pid: number): string {
  return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
}

/** The PortAudio fallback, as where no sound server answers. */
const PORTAUDIO = { EARSHOT_AUDIO_BACKEND: 'portaudio' };

function parentPid(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

describe.skipIf(unavailable !== null)(
  `capture helper processes${unavailable ? ` (skipped: ${unavailable})` : ''}`,
  () => {
    let mic: VirtualMic;
    const hosts: CaptureHost[] = [];
    const newHost = (spawner: RecordingSpawner, env: Record<string, string> = {}): CaptureHost => {
      const host = new CaptureHost({ spawn: spawner.spawn, modulePath: CAPTURE_ENTRY, env: { ...mic.env, ...env } });
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

    it('PortAudio: probes are started by the host — the capture entry with --probe — never by the capture process itself', async () => {
      const spawner = new RecordingSpawner();
      const host = newHost(spawner, PORTAUDIO);
      await host.start({ deviceKey: 'default', sampleRate: 16000 });
      await waitForEvent(host, 'frame', 'frames from the default input', 10_000);

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
      // Without hand-made ALSA entries PortAudio sees only the routes to the sound server.
      expect(devices.map((d) => d.key)).toEqual(expect.arrayContaining(['ALSA:pulse', 'ALSA:default']));
      const probe = await probeEnded;
      // Asked to stop after its answer; it reported its own CPU time with it.
      expect(probe).toMatchObject({ code: 0, signal: null });
      expect(probe.cpuMs).toBeGreaterThan(0);
      expect(probe.cpuMs).toBeLessThan(5000);

      // The capture process itself, then its probes (the device watch also probes on its own schedule).
      const started = spawner.calls.map((c) => JSON.stringify([c.modulePath, c.args ?? []]));
      expect(started[0]).toBe(JSON.stringify([CAPTURE_ENTRY, []]));
      expect(new Set(started.slice(1))).toEqual(new Set([JSON.stringify([CAPTURE_ENTRY, ['--probe']])]));
      for (const call of spawner.calls)
        expect(Object.keys(call.env ?? {}).filter((k) => /RUN_AS_NODE/.test(k))).toEqual([]);
      // The capture process has no children on this path.
      expect(childPids(host.pid!)).toEqual([]);
      for (const pid of host.helperPids) expect(parentPid(pid)).toBe(process.pid);
    });

    it('sound server: pactl and parec are the capture process’s own children and end with it (kill -9, restart, dispose)', async () => {
      const spawner = new RecordingSpawner();
      const host = newHost(spawner);
      await host.start({ deviceKey: mic.deviceKey('b'), sampleRate: 16000 });
      await waitForEvent(host, 'frame', 'frames from Mic B', 10_000);
      const first = descendants(host.pid!);
      // sh → pactl subscribe (the device watch), and parec for the open stream.
      expect(first.map(commandOf)).toEqual(
        expect.arrayContaining(['pactl subscribe', expect.stringMatching(/^parec /)]),
      );
      // Nothing was asked of the parent: the sound server needs no helper processes.
      expect(spawner.calls).toHaveLength(1);

      const crashed = waitForEvent(host, 'error', 'the crash report', 5000);
      process.kill(host.pid!, 'SIGKILL');
      await crashed;
      for (const pid of first) await waitForExit(pid, `${pid} of the killed capture process`, 5000);

      await waitForEvent(host, 'frame', 'a frame from the restarted process', 15_000);
      const second = descendants(host.pid!);
      expect(second.map(commandOf)).toEqual(expect.arrayContaining([expect.stringMatching(/^parec /)]));
      await host.dispose();
      for (const pid of second) await waitForExit(pid, `${pid} after dispose`, 5000);
    });

    it('sound server: pactl and parec exit when the host process dies (kill -9 of the app), like the capture process', async () => {
      const script = `
      import { createNodeCaptureHost } from ${JSON.stringify(join(REPO_ROOT, 'src/core/capture-host/node-capture-host.ts'))};
      const host = createNodeCaptureHost(JSON.parse(process.env.MIC_ENV));
      await host.start({ deviceKey: ${JSON.stringify(mic.deviceKey('a'))}, sampleRate: 16000 });
      host.once('frame', () => process.stdout.write('pid ' + host.pid + '\\n'));
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
            const match = /pid (\d+)\n/.exec(out);
            if (match) {
              clearTimeout(timer);
              resolve([Number(match[1]), descendants(Number(match[1]))]);
            }
          });
        });
        // The subscriber (sh → pactl) and parec.
        expect(helperPids.length).toBeGreaterThanOrEqual(3);
        parent.kill('SIGKILL');
        await waitForExit(capturePid, 'the capture process of the killed host', 5000);
        for (const pid of helperPids) await waitForExit(pid, 'a helper of the killed host', 5000);
      } finally {
        parent.kill('SIGKILL');
      }
    });
  },
);
