import { execFileSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNodeCaptureHost } from '../../src/core/capture-host/node-capture-host.ts';
import type { HealthWarning } from '../../src/shared/devices.ts';
import { HEADSET_ADDRESS, pulseCardsJson, pulseHeadsetSource } from '../../src/capture/testing/pactl-bluetooth.ts';
import { startVirtualMic, virtualMicUnavailableReason, type VirtualMic } from '../helpers/virtual-mic.ts';
import { waitForEvent } from './capture-helpers.ts';

const unavailable = virtualMicUnavailableReason();
const PROFILE = 'handsfree_head_unit';

/**
 * A Bluetooth headset switching to its call profile (issue 13, item 5), through the real
 * capture process, its real PulseAudio backend, a real `parec` stream and real `pactl
 * subscribe` events.
 *
 * PulseAudio's null modules cannot impersonate a Bluetooth card: module-null-sink and
 * module-remap-source make sinks and sources, never a card with profiles (only
 * module-bluez5-device does, with BlueZ and a radio). So the one thing stood in for is
 * `pactl --format=json list cards`: a `pactl` script first on the capture process's PATH
 * prints recorded card JSON (src/capture/testing/pactl-bluetooth.ts, built from pactl.c's
 * printer) from a file the test rewrites, and hands every other command to the real pactl.
 * The headset's microphone is a real source on the test's PulseAudio, named and described as
 * module-bluez5-device names its source, at 16 kHz mono as mSBC delivers.
 */
describe.skipIf(unavailable !== null)(
  `Bluetooth call profile through the capture process (PulseAudio null modules cannot impersonate a Bluetooth card: card JSON from a stub pactl)${unavailable ? ` (skipped: ${unavailable})` : ''}`,
  () => {
    let mic: VirtualMic;
    let dir: string;
    let cardsFile: string;
    let env: Record<string, string>;
    const sourceName = pulseHeadsetSource(PROFILE);

    beforeAll(async () => {
      mic = await startVirtualMic();
      dir = await mkdtemp(join(tmpdir(), 'earshot-bt-profile-'));
      cardsFile = join(dir, 'cards.json');
      const realPactl = execFileSync('sh', ['-c', 'command -v pactl'], { encoding: 'utf8' }).trim();
      const stubDir = join(dir, 'bin');
      await mkdir(stubDir);
      const stub = join(stubDir, 'pactl');
      await writeFile(
        stub,
        [
          '#!/bin/sh',
          '# Only the card list is recorded: no null module can be a Bluetooth card.',
          'if [ "$1" = "--format=json" ] && [ "$2" = "list" ] && [ "$3" = "cards" ]; then exec cat "$EARSHOT_TEST_CARDS"; fi',
          `exec ${realPactl} "$@"`,
          '',
        ].join('\n'),
      );
      await chmod(stub, 0o755);
      env = { ...mic.env, PATH: `${stubDir}:${process.env.PATH ?? ''}`, EARSHOT_TEST_CARDS: cardsFile };
      await mic.pactl('load-module', 'module-null-sink', 'sink_name=bt_feed', 'rate=16000', 'channels=1');
      await mic.pactl(
        'load-module',
        'module-remap-source',
        `source_name=${sourceName}`,
        'master=bt_feed.monitor',
        'rate=16000',
        'channels=1',
        // As module-bluez5-device's source carries them (its own, and its card's merged in).
        `source_properties='device.description="WH-1000XM4" device.bus=bluetooth device.string="${HEADSET_ADDRESS}" bluetooth.protocol=${PROFILE} device.form_factor=headset'`,
      );
    });

    afterAll(async () => {
      await mic?.stop();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    const callWarning = (host: NodeJS.EventEmitter, active: boolean, what: string): Promise<HealthWarning> =>
      waitForEvent<HealthWarning>(
        host,
        'health',
        what,
        10_000,
        (w) => w.kind === 'bluetooth-call-profile' && w.active === active,
      );

    it('warns when the headset microphone opens in its call profile, clears and re-warns on the server’s events, and clears on stop', async () => {
      await writeFile(cardsFile, pulseCardsJson(PROFILE));
      const host = createNodeCaptureHost(env);
      try {
        const warned = callWarning(host, true, 'the call-profile warning on opening the headset');
        await host.start({ deviceKey: `PulseAudio:${sourceName}`, sampleRate: 16000 });
        const warning = await warned;
        expect(warning.deviceName).toBe('WH-1000XM4');
        expect(warning.message).toMatch(/^“WH-1000XM4” switched to its call profile: 16 kHz, lower quality\./);
        expect(warning.message).toMatch(/computer’s microphone/);

        // The card goes back to A2DP: nothing is polled, so the clear comes with the next
        // event the server announces (a sink and its monitor source appear).
        await writeFile(cardsFile, pulseCardsJson('a2dp_sink'));
        const cleared = callWarning(host, false, 'the warning cleared after a source event');
        const module = (await mic.pactl('load-module', 'module-null-sink', 'sink_name=bt_event')).trim();
        expect((await cleared).message).toBe('“WH-1000XM4” is out of its call profile.');

        await writeFile(cardsFile, pulseCardsJson('headset_head_unit'));
        const again = callWarning(host, true, 'the warning again after a source is removed');
        await mic.pactl('unload-module', module);
        expect((await again).message).toMatch(/switched to its call profile/);

        const stopped = callWarning(host, false, 'the warning cleared when capture stops');
        await host.stop();
        await stopped;
      } finally {
        await host.dispose();
      }
    });
  },
);
