import { describe, expect, it } from 'vitest';
import { manifestSchema } from '../../shared/model-manifest.ts';
import { MODEL_CATALOG, VAD_ASSET, defaultCatalogEntry, notOfferedReason } from './catalog.ts';

describe('model catalog', () => {
  it('every entry and the VAD carry an exact size and a sha256 with the place it was found', () => {
    for (const item of [...MODEL_CATALOG, VAD_ASSET]) {
      expect(item.checksum, item.id).not.toBeNull();
      expect(item.checksum?.sha256, item.id).toMatch(/^[0-9a-f]{64}$/);
      expect(Number.isInteger(item.sizeBytes) && item.sizeBytes > 0, item.id).toBe(true);
      expect(item.checksum?.evidence, item.id).toMatch(
        /https:\/\/(api\.)?github\.com\/(repos\/)?k2-fsa\/sherpa-onnx\//,
      );
    }
    expect(new Set(MODEL_CATALOG.map((m) => m.checksum?.sha256)).size).toBe(MODEL_CATALOG.length);
  });

  it('the default is offered, and every manifest the catalog writes passes the manifest schema', () => {
    expect(notOfferedReason(defaultCatalogEntry())).toBeNull();
    for (const m of MODEL_CATALOG) expect(manifestSchema.safeParse(m.manifest).success, m.id).toBe(true);
  });

  it('an entry without a checksum is not offered, and says why', () => {
    expect(notOfferedReason({ checksum: null })).toMatch(/no verified checksum/);
  });

  it('only a digest from the publisher makes an entry downloadable; the default and the VAD have one', () => {
    const offered = MODEL_CATALOG.filter((m) => notOfferedReason(m) === null).map((m) => m.id);
    expect(offered).toContain(defaultCatalogEntry().id);
    expect(defaultCatalogEntry().kind).toBe('online');
    expect(notOfferedReason(VAD_ASSET)).toBeNull();
    for (const m of MODEL_CATALOG)
      if (m.checksum?.source === 'independent-records')
        expect(notOfferedReason(m), m.id).toMatch(/publisher lists no checksum/);
    expect(offered.length).toBeLessThan(MODEL_CATALOG.length); // the 2023 Zipformer and Moonshine are listed, not offered
  });
});
