import { describe, expect, it } from 'vitest';
import { loadModelManifest } from '../../platform/models/manifest-file.ts';
import type { SherpaOfflineRecognizer } from '../sherpa.ts';
import { OFFLINE_TEST_MODEL } from '../../../tests/helpers/paths.ts';
import { OfflineRecognizerSession } from './offline-session.ts';

describe('OfflineRecognizerSession', () => {
  it('reports failed (not a crash) when the final decode throws', () => {
    const failing: SherpaOfflineRecognizer = {
      createStream: () => ({ acceptWaveform: () => {} }),
      decode: () => {
        throw new Error('decoder exploded');
      },
      getResult: () => ({ text: '', tokens: [], timestamps: [] }),
    };
    const session = new OfflineRecognizerSession(
      failing,
      loadModelManifest(OFFLINE_TEST_MODEL),
      { inputRate: 16000, vad: null },
      { vadModelPath: null, partialIntervalMs: 100_000 },
    );
    session.acceptAudio(new Int16Array(8000));
    const events = session.commit('evt_1');
    expect(events.map((e) => e.type)).toEqual(['committed', 'failed']);
    expect(events[1]).toMatchObject({ type: 'failed', message: 'decoder exploded' });
  });

  it('rejects a commit of under 100 ms', () => {
    const never: SherpaOfflineRecognizer = {
      createStream: () => ({ acceptWaveform: () => {} }),
      decode: () => {},
      getResult: () => ({ text: '', tokens: [], timestamps: [] }),
    };
    const session = new OfflineRecognizerSession(
      never,
      loadModelManifest(OFFLINE_TEST_MODEL),
      { inputRate: 24000, vad: null },
      { vadModelPath: null },
    );
    session.acceptAudio(new Int16Array(1200));
    expect(session.commit('evt_2')).toEqual([{ type: 'commit_empty', eventId: 'evt_2', bufferedMs: 50 }]);
  });
});
