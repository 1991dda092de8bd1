import { describe, expect, it } from 'vitest';
import { HeightIndex } from './height-index.ts';

describe('HeightIndex', () => {
  it('counts unmeasured rows at the estimate', () => {
    const index = new HeightIndex(50);
    index.resize(10);
    expect(index.total).toBe(500);
    expect(index.offsetOf(3)).toBe(150);
    expect(index.indexAt(149)).toBe(2);
    expect(index.indexAt(150)).toBe(3);
  });

  it('moves every later offset when a row is measured', () => {
    const index = new HeightIndex(50);
    index.resize(5);
    expect(index.set(1, 80)).toBe(30);
    expect(index.set(1, 80)).toBe(0);
    expect(index.offsetOf(2)).toBe(130);
    expect(index.total).toBe(280);
    expect(index.isMeasured(1)).toBe(true);
    expect(index.isMeasured(2)).toBe(false);
  });

  it('ignores nonsense measurements', () => {
    const index = new HeightIndex(50);
    index.resize(2);
    expect(index.set(5, 10)).toBe(0);
    expect(index.set(0, 0)).toBe(0);
    expect(index.set(0, Number.NaN)).toBe(0);
    expect(index.total).toBe(100);
  });

  it('gives the rows a viewport needs, with overscan, and nothing past the ends', () => {
    const index = new HeightIndex(20);
    index.resize(10_000);
    expect(index.range(0, 100, 2)).toEqual({ start: 0, end: 8 });
    expect(index.range(20 * 5000, 100, 2)).toEqual({ start: 4998, end: 5008 });
    expect(index.range(20 * 10_000, 100, 2)).toEqual({ start: 9997, end: 10_000 });
    expect(new HeightIndex(20).range(0, 100, 2)).toEqual({ start: 0, end: 0 });
  });

  it('keeps measurements across appends and drops them on shrink', () => {
    const index = new HeightIndex(10);
    index.resize(3);
    index.set(2, 30);
    index.resize(6);
    expect(index.total).toBe(10 + 10 + 30 + 30);
    index.resize(2);
    expect(index.total).toBe(20);
    index.resize(3);
    expect(index.total).toBe(30);
  });

  it('forgets every height when the width changes', () => {
    const index = new HeightIndex(10);
    index.resize(3);
    index.set(0, 99);
    index.invalidateAll();
    expect(index.total).toBe(30);
    expect(index.isMeasured(0)).toBe(false);
  });
});
