import { DEFAULT_DEVICE_KEY, type DeviceInfo, type DeviceLost } from '../../../shared/devices.ts';
import type { EarshotApi } from '../../../shared/ipc/api.ts';
import type { SessionSnapshot } from '../../../shared/session.ts';
import { type Reporter, succeeded, valueOr } from './report.ts';

export interface DeviceOption {
  readonly key: string;
  readonly label: string;
  /** `lost`: was in use and disconnected; `missing`: remembered but not plugged in now. */
  readonly status: 'present' | 'lost' | 'missing';
}

/**
 * The microphone list and the person's choice. "System default" always comes first; the
 * remembered device stays selected even while it is unplugged, shown as such, so plugging
 * it back in needs no action.
 */
export class DevicesStore {
  list = $state.raw<DeviceInfo[]>([]);
  selectedKey = $state(DEFAULT_DEVICE_KEY);
  lost = $state.raw<DeviceLost | null>(null);
  refreshing = $state(false);
  /** Meeting mode's second source (an output's system audio), or null: the microphone alone. */
  systemKey = $state<string | null>(null);
  /** Since the loss, main has reported capturing from another device (the fallback). */
  #sawFallback = false;
  /** Names of devices seen since the window opened, to label one that has gone. */
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- a lookup, never read by a template
  #names = new Map<string, string>();

  readonly options: DeviceOption[] = $derived.by(() => {
    const systemDefault = this.list.find((d) => d.isDefault && d.kind === 'microphone');
    const first: DeviceOption = {
      key: DEFAULT_DEVICE_KEY,
      label: systemDefault ? `System default (${systemDefault.name})` : 'System default',
      status: 'present',
    };
    const lostKey = this.lost?.lostKey;
    // A lost device can stay listed (the OS is slow to drop it, or it is a virtual device
    // whose backend vanished): capture lost it, so it is shown as lost all the same.
    const inputs = this.list
      // System audio (an output's monitor) is Meeting mode's second source, not a microphone.
      .filter((d) => d.key !== DEFAULT_DEVICE_KEY && d.maxInputChannels > 0 && d.kind === 'microphone')
      .map((d): DeviceOption =>
        d.key === lostKey
          ? { key: d.key, label: `${d.name} — disconnected`, status: 'lost' }
          : { key: d.key, label: d.name, status: 'present' },
      );
    const selected = this.selectedKey;
    if (selected === DEFAULT_DEVICE_KEY || inputs.some((o) => o.key === selected)) return [first, ...inputs];
    const isLost = this.lost?.lostKey === selected;
    const name = (isLost ? this.lost?.lostName : undefined) ?? this.#names.get(selected) ?? nameFromKey(selected);
    const gone: DeviceOption = {
      key: selected,
      label: `${name} — ${isLost ? 'disconnected' : 'not connected'}`,
      status: isLost ? 'lost' : 'missing',
    };
    return [first, ...inputs, gone];
  });

  /**
   * The system-audio devices ("System audio — Speakers"), for "Also transcribe". A remembered
   * one that is not listed now stays, marked as not connected.
   */
  readonly systemOptions: DeviceOption[] = $derived.by(() => {
    const listed = this.list
      .filter((d) => d.kind === 'system')
      .map((d): DeviceOption => ({ key: d.key, label: d.name, status: 'present' }));
    const chosen = this.systemKey;
    if (chosen === null || listed.some((o) => o.key === chosen)) return listed;
    const name = this.#names.get(chosen) ?? nameFromKey(chosen);
    return [...listed, { key: chosen, label: `${name} — not connected`, status: 'missing' }];
  });

  readonly selectedOption: DeviceOption | undefined = $derived(this.options.find((o) => o.key === this.selectedKey));

  /** The device capture fell back to after a loss, by name, or null when capture stopped. */
  readonly fallbackName: string | null = $derived.by(() => {
    const key = this.lost?.fallbackKey;
    if (key === undefined || key === null) return null;
    if (key === DEFAULT_DEVICE_KEY) return 'System default';
    return this.list.find((d) => d.key === key)?.name ?? this.#names.get(key) ?? key;
  });

  #api: EarshotApi;
  #report: Reporter;

  constructor(api: EarshotApi, report: Reporter) {
    this.#api = api;
    this.#report = report;
  }

  applyList(list: DeviceInfo[]): void {
    for (const d of list) this.#names.set(d.key, d.name);
    this.list = list;
    // The lost device is back: capture returns to it (main decides), the warning goes.
    if (this.lost && list.some((d) => d.key === this.lost?.lostKey)) this.lost = null;
  }

  applyLost(lost: DeviceLost): void {
    this.#names.set(lost.lostKey, lost.lostName);
    this.lost = lost;
    this.#sawFallback = false;
  }

  /**
   * Main's status names the device really capturing. After a loss it names the fallback; when
   * it names the lost device again, capture went back to it. When nothing captures any more
   * (idle, error), "using the fallback until it returns" is no longer true either.
   */
  applyStatus(snapshot: SessionSnapshot): void {
    const lost = this.lost;
    if (!lost) return;
    if (snapshot.state === 'idle' || snapshot.state === 'error') {
      this.lost = null;
    } else if (snapshot.deviceName !== null && snapshot.deviceName !== lost.lostName) {
      this.#sawFallback = true;
    } else if (snapshot.deviceName === lost.lostName && this.#sawFallback) {
      this.lost = null;
    }
  }

  /** The remembered choices, from settings. */
  applyRemembered(key: string, systemKey: string | null = this.systemKey): void {
    this.selectedKey = key;
    this.systemKey = systemKey;
  }

  /** Turns meeting mode on with this system-audio device, or off (null); remembered for the next start. */
  async selectSystem(key: string | null): Promise<void> {
    const previous = this.systemKey;
    this.systemKey = key;
    const saved = succeeded(
      await this.#api.settings.update({ systemDeviceKey: key }),
      this.#report,
      'Choosing the system audio',
    );
    if (!saved) this.systemKey = previous;
  }

  async select(key: string): Promise<void> {
    const previous = this.selectedKey;
    this.selectedKey = key;
    const switched = succeeded(await this.#api.devices.select({ key }), this.#report, 'Switching the microphone');
    if (!switched) this.selectedKey = previous;
  }

  async refresh(): Promise<void> {
    this.refreshing = true;
    try {
      const list = valueOr(await this.#api.devices.refresh(), this.#report, 'Refreshing microphones');
      if (list) this.applyList(list);
    } finally {
      this.refreshing = false;
    }
  }
}

/** Keys are `<host API>:<name>[#n]` (capture's device list); enough to label a device never seen. */
function nameFromKey(key: string): string {
  const name = key.replace(/^[^:]*:/, '').replace(/#\d+$/, '');
  return name || key;
}
