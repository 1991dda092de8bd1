import { describe, expect, it } from 'vitest';
import type { HealthWarning } from '../../shared/devices.ts';
import { InputHealthWatchdog } from './input-health.ts';

const RATE = 48000;
const chunk = (value: number | ((i: number) => number), ms = 10, channels = 1): Int16Array => {
  const out = new Int16Array(((RATE * ms) / 1000) * channels);
  for (let i = 0; i < out.length; i++) out[i] = typeof value === 'number' ? value : value(i);
  return out;
};

function setup(): { dog: InputHealthWatchdog; events: HealthWarning[] } {
  const events: HealthWarning[] = [];
  const dog = new InputHealthWatchdog((w) => events.push(w));
  dog.open('Mic A', 0);
  return { dog, events };
}

describe('InputHealthWatchdog', () => {
  it('raises digital silence after more than 2 s of exact zeros, and clears on sound', () => {
    const { dog, events } = setup();
    for (let t = 0; t < 200; t++) dog.onData(chunk(0), 1, RATE, t * 10);
    expect(events).toEqual([]);
    dog.onData(chunk(0), 1, RATE, 2000);
    expect(events).toMatchObject([{ kind: 'digital-silence', active: true, deviceName: 'Mic A' }]);
    expect(events[0]!.message).toMatch(/Mic A.*digital silence/);
    dog.onData(chunk(1), 1, RATE, 2010);
    expect(events.at(-1)).toMatchObject({ kind: 'digital-silence', active: false });
  });

  it('does not call quiet but non-zero input silence', () => {
    const { dog, events } = setup();
    for (let t = 0; t < 500; t++)
      dog.onData(
        chunk((i) => (i % 97 === 0 ? 1 : 0)),
        1,
        RATE,
        t * 10,
      );
    expect(events).toEqual([]);
  });

  it('raises clipping on repeated full-scale samples and clears after 2 s without', () => {
    const { dog, events } = setup();
    dog.onData(
      chunk((i) => (i % 50 === 0 ? 32767 : 1000)),
      1,
      RATE,
      0,
    );
    expect(events).toMatchObject([{ kind: 'clipping', active: true }]);
    for (let t = 1; t <= 150; t++) dog.onData(chunk(1000), 1, RATE, t * 10);
    expect(events).toHaveLength(1);
    for (let t = 151; t <= 260; t++) dog.onData(chunk(1000), 1, RATE, t * 10);
    expect(events.at(-1)).toMatchObject({ kind: 'clipping', active: false });
  });

  it('ignores a single full-scale click', () => {
    const { dog, events } = setup();
    dog.onData(
      chunk((i) => (i === 5 ? -32768 : 100)),
      1,
      RATE,
      0,
    );
    expect(events).toEqual([]);
  });

  it('raises stalled after 1 s without data once data flowed, with a longer grace at startup', () => {
    const { dog, events } = setup();
    dog.tick(2500);
    expect(events).toEqual([]);
    dog.tick(3100);
    expect(events).toMatchObject([{ kind: 'stalled', active: true }]);
    dog.onData(chunk(5), 1, RATE, 3200);
    expect(events.at(-1)).toMatchObject({ kind: 'stalled', active: false });
    dog.tick(4100);
    expect(events).toHaveLength(2);
    dog.tick(4300);
    expect(events.at(-1)).toMatchObject({ kind: 'stalled', active: true });
  });

  it('clears every active warning when the stream closes', () => {
    const { dog, events } = setup();
    for (let t = 0; t <= 210; t++) dog.onData(chunk(0, 10, 2), 2, RATE, t * 10);
    expect(dog.active.has('digital-silence')).toBe(true);
    dog.close();
    expect(events.at(-1)).toMatchObject({ kind: 'digital-silence', active: false });
    expect(dog.active.size).toBe(0);
  });
});
