import { describe, expect, it } from 'vitest';
import type { Level } from '../../shared/devices.ts';
import { LEVEL_FLOOR_DB, LevelMeter, toDbfs } from './level-meter.ts';

describe('LevelMeter', () => {
  it('reports about 20 readings per second of audio', () => {
    const levels: Level[] = [];
    const meter = new LevelMeter(48000, (l) => levels.push(l));
    for (let i = 0; i < 100; i++) meter.push(new Float32Array(480));
    expect(levels).toHaveLength(20);
  });

  it('measures a full-scale sine at −3 dBFS RMS and 0 dBFS peak', () => {
    const levels: Level[] = [];
    const meter = new LevelMeter(16000, (l) => levels.push(l));
    const sine = new Float32Array(16000);
    for (let i = 0; i < sine.length; i++) sine[i] = Math.sin((2 * Math.PI * 1000 * i) / 16000);
    meter.push(sine);
    for (const level of levels) {
      expect(level.rmsDb).toBeCloseTo(-3, 0);
      expect(level.peakDb).toBeCloseTo(0, 1);
    }
  });

  it('reports digital silence at the floor, not −Infinity', () => {
    const levels: Level[] = [];
    new LevelMeter(16000, (l) => levels.push(l)).push(new Float32Array(800));
    expect(levels).toEqual([{ rmsDb: LEVEL_FLOOR_DB, peakDb: LEVEL_FLOOR_DB }]);
    expect(toDbfs(0.5)).toBeCloseTo(-6.02, 2);
  });
});
