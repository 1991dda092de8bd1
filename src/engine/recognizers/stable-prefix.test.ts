import { describe, expect, it } from 'vitest';
import { StablePrefix } from './stable-prefix.ts';

describe('StablePrefix', () => {
  it('releases only complete words two consecutive decodes agree on', () => {
    const p = new StablePrefix();
    expect(p.update('is th')).toBe('');
    expect(p.update('is the b')).toBe('is');
    expect(p.update('is the byt enc')).toBe(' the');
    expect(p.update('is the byt encryption k')).toBe(' byt');
    expect(p.released).toBe('is the byt');
  });

  it('never retracts: a disagreeing decode releases nothing until decodes agree with the released text again', () => {
    const p = new StablePrefix();
    p.update('his the cat sat');
    expect(p.update('his the cat sat on')).toBe('his the cat');
    expect(p.update('is the cat sat on the')).toBe('');
    expect(p.update('is the cat sat on the mat')).toBe('');
    expect(p.released).toBe('his the cat');
    expect(p.finish('is the cat sat on the mat')).toBe('');
  });

  it('finish completes the deltas when the final text extends them', () => {
    const p = new StablePrefix();
    p.update('one two three');
    p.update('one two three four');
    expect(p.released).toBe('one two'); // "three" is the last word of the first decode: maybe unfinished
    expect(p.finish('one two three four five')).toBe(' three four five');
    expect(p.released).toBe('one two three four five');
  });
});
