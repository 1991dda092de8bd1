import { describe, expect, it } from 'vitest';
import { isConfinedPath, manifestSchema } from './model-manifest.ts';

describe('model manifest paths', () => {
  it('isConfinedPath accepts names inside the folder and refuses every way out, on any platform', () => {
    for (const inside of ['tokens.txt', 'sub/model.onnx', 'sub\\model.onnx', './a.onnx', 'a..b.onnx', 'greedy_search'])
      expect(isConfinedPath(inside), inside).toBe(true);
    for (const outside of [
      '',
      '/etc/passwd',
      '\\\\server\\share\\m.onnx',
      'C:\\m.onnx',
      'c:m.onnx',
      '..',
      '../m.onnx',
      'a/../../m.onnx',
      'a\\..\\m.onnx',
      'a\0b',
    ])
      expect(isConfinedPath(outside), outside).toBe(false);
  });

  it('the schema refuses an outside path in files and anywhere in the sherpa options, naming the field', () => {
    const base = {
      name: 'x',
      kind: 'offline',
      sampleRate: 16000,
      files: ['model.onnx'],
      sherpa: { modelConfig: { tokens: 'tokens.txt', hotwords: [''] }, decodingMethod: 'greedy_search' },
    };
    expect(manifestSchema.safeParse(base).success).toBe(true);
    const issuePath = (value: unknown): string => {
      const parsed = manifestSchema.safeParse(value);
      if (parsed.success) return '(accepted)';
      return parsed.error.issues.map((i) => i.path.join('.')).join(',');
    };
    expect(issuePath({ ...base, files: ['../model.onnx'] })).toBe('files.0');
    expect(issuePath({ ...base, sherpa: { ...base.sherpa, modelConfig: { tokens: '/etc/passwd' } } })).toBe(
      'sherpa.modelConfig.tokens',
    );
    expect(issuePath({ ...base, sherpa: { ...base.sherpa, ruleFsts: ['ok.fst', 'D:\\rules.fst'] } })).toBe(
      'sherpa.ruleFsts.1',
    );
  });
});
