import { describe, expect, it } from 'vitest';
import { formatBytes, formatClock, formatDb, formatDuration, meterFraction } from './format.ts';

describe('format', () => {
  it('writes transcript clocks', () => {
    expect(formatClock(0)).toBe('0:00');
    expect(formatClock(65_400)).toBe('1:05');
    expect(formatClock(3_725_000)).toBe('1:02:05');
    expect(formatClock(-5)).toBe('0:00');
  });

  it('writes durations for people', () => {
    expect(formatDuration(12_000)).toBe('12 s');
    expect(formatDuration(200_000)).toBe('3 min 20 s');
    expect(formatDuration(3_900_000)).toBe('1 h 5 min');
  });

  it('writes sizes in decimal units', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(999)).toBe('999 B');
    expect(formatBytes(9_300_000)).toBe('9.3 MB');
    expect(formatBytes(640_000_000)).toBe('640 MB');
    expect(formatBytes(1_200_000_000)).toBe('1.2 GB');
  });

  it('places levels on a -60..0 dBFS meter', () => {
    expect(meterFraction(0)).toBe(1);
    expect(meterFraction(-30)).toBe(0.5);
    expect(meterFraction(-90)).toBe(0);
    expect(meterFraction(-Infinity)).toBe(0);
    expect(formatDb(-23.4)).toBe('-23 dBFS');
    expect(formatDb(-Infinity)).toBe('< -60 dBFS');
  });
});
