/**
 * Draws Earshot's icons with plain Node (no image libraries): signed-distance shapes,
 * 4×4 supersampled for anti-aliasing, written as RGBA PNGs with zlib.
 *
 *   node build/make-icons.ts            # writes resources/ and build/icon.png
 *
 * Tray icons: a microphone in three states — idle (neutral grey, readable on light and dark
 * bars), listening (recording red), error (grey with an amber "!" badge) — at 16 px and
 * 32 px (@2x). App icon: a white microphone with sound waves on an indigo rounded square.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32, deflateSync } from 'node:zlib';

type Rgba = readonly [number, number, number, number];
/** Signed distance (in unit-square coordinates) from a point to a shape: negative inside. */
type Sdf = (x: number, y: number) => number;
interface Layer {
  readonly shape: Sdf;
  readonly color: Rgba | ((x: number, y: number) => Rgba);
}

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

// ---------------------------------------------------------------- shapes

const circle =
  (cx: number, cy: number, r: number): Sdf =>
  (x, y) =>
    Math.hypot(x - cx, y - cy) - r;

/** A line segment with round caps, `w` wide. */
const segment =
  (ax: number, ay: number, bx: number, by: number, w: number): Sdf =>
  (x, y) => {
    const [dx, dy] = [bx - ax, by - ay];
    const t = Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)));
    return Math.hypot(x - (ax + t * dx), y - (ay + t * dy)) - w / 2;
  };

/** An arc of a ring centred on (cx, cy), between angles a0..a1 (radians, 0 = right, y down). */
const arc =
  (cx: number, cy: number, r: number, w: number, a0: number, a1: number): Sdf =>
  (x, y) => {
    const angle = Math.atan2(y - cy, x - cx);
    const inside = a0 <= a1 ? angle >= a0 && angle <= a1 : angle >= a0 || angle <= a1;
    if (inside) return Math.abs(Math.hypot(x - cx, y - cy) - r) - w / 2;
    const end = (a: number): number => Math.hypot(x - (cx + r * Math.cos(a)), y - (cy + r * Math.sin(a))) - w / 2;
    return Math.min(end(a0), end(a1));
  };

const roundedSquare =
  (inset: number, radius: number): Sdf =>
  (x, y) => {
    const half = 0.5 - inset - radius;
    const qx = Math.abs(x - 0.5) - half;
    const qy = Math.abs(y - 0.5) - half;
    return Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - radius;
  };

const union =
  (...shapes: Sdf[]): Sdf =>
  (x, y) =>
    Math.min(...shapes.map((s) => s(x, y)));

const subtract =
  (shape: Sdf, hole: Sdf): Sdf =>
  (x, y) =>
    Math.max(shape(x, y), -hole(x, y));

/** Moves and scales a shape drawn in the unit square into the box (ox, oy, size). */
const place =
  (shape: Sdf, ox: number, oy: number, size: number): Sdf =>
  (x, y) =>
    shape((x - ox) / size, (y - oy) / size) * size;

/** The microphone: capsule, holder, stem and base. `w` is the stroke width. */
function microphone(w: number): Sdf {
  return union(
    segment(0.5, 0.25, 0.5, 0.47, 0.3),
    arc(0.5, 0.45, 0.26, w, 0, Math.PI),
    segment(0.5, 0.71, 0.5, 0.84, w),
    segment(0.33, 0.86, 0.67, 0.86, w),
  );
}

// ---------------------------------------------------------------- raster and PNG

function render(size: number, layers: readonly Layer[]): Buffer {
  const pixels = Buffer.alloc(size * size * 4);
  const samples = 4;
  for (let py = 0; py < size; py += 1) {
    for (let px = 0; px < size; px += 1) {
      let [r, g, b, a] = [0, 0, 0, 0];
      for (let sy = 0; sy < samples; sy += 1) {
        for (let sx = 0; sx < samples; sx += 1) {
          const x = (px + (sx + 0.5) / samples) / size;
          const y = (py + (sy + 0.5) / samples) / size;
          // Topmost layer containing the sample wins (premultiplied accumulation).
          for (let i = layers.length - 1; i >= 0; i -= 1) {
            const layer = layers[i]!;
            if (layer.shape(x, y) > 0) continue;
            const c = typeof layer.color === 'function' ? layer.color(x, y) : layer.color;
            const alpha = c[3] / 255;
            r += c[0] * alpha;
            g += c[1] * alpha;
            b += c[2] * alpha;
            a += alpha;
            break;
          }
        }
      }
      const n = samples * samples;
      const offset = (py * size + px) * 4;
      if (a > 0) {
        pixels[offset] = Math.round(r / a);
        pixels[offset + 1] = Math.round(g / a);
        pixels[offset + 2] = Math.round(b / a);
      }
      pixels[offset + 3] = Math.round((a / n) * 255);
    }
  }
  return encodePng(size, size, pixels);
}

function encodePng(width: number, height: number, rgba: Buffer): Buffer {
  const chunk = (type: string, data: Buffer): Buffer => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(data.length, 0);
    head.write(type, 4, 'ascii');
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
    return Buffer.concat([head, data, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 6; // colour type RGBA
  const raw = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y += 1) {
    raw[y * (width * 4 + 1)] = 0; // filter: none
    rgba.copy(raw, y * (width * 4 + 1) + 1, y * width * 4, (y + 1) * width * 4);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

// ---------------------------------------------------------------- the icons

const GREY: Rgba = [140, 150, 163, 255];
const RED: Rgba = [229, 72, 77, 255];
const AMBER: Rgba = [245, 158, 11, 255];
const INK: Rgba = [31, 35, 40, 255];
const WHITE: Rgba = [255, 255, 255, 255];

export function trayLayers(state: 'idle' | 'listening' | 'error', size: number): Layer[] {
  // Thin strokes vanish at 16 px: keep them at least ~1.2 px wide.
  const mic = microphone(Math.max(0.075, 1.2 / size));
  if (state === 'idle') return [{ shape: mic, color: GREY }];
  if (state === 'listening') return [{ shape: mic, color: RED }];
  const badge = circle(0.75, 0.74, 0.23);
  const gap = circle(0.75, 0.74, 0.3);
  const bang = union(segment(0.75, 0.62, 0.75, 0.76, 0.075), circle(0.75, 0.86, 0.045));
  return [
    { shape: subtract(mic, gap), color: GREY },
    { shape: badge, color: AMBER },
    { shape: bang, color: INK },
  ];
}

export function appIconLayers(): Layer[] {
  const background = roundedSquare(0.06, 0.2);
  const gradient = (x: number, y: number): Rgba => {
    const t = Math.min(1, Math.max(0, (x + y) / 2));
    return [Math.round(79 + (124 - 79) * t), Math.round(70 + (58 - 70) * t), Math.round(229 + (237 - 229) * t), 255];
  };
  const waves = union(
    arc(0.5, 0.44, 0.3, 0.035, -Math.PI / 5, Math.PI / 5),
    arc(0.5, 0.44, 0.3, 0.035, Math.PI - Math.PI / 5, -Math.PI + Math.PI / 5),
    arc(0.5, 0.44, 0.4, 0.035, -Math.PI / 5, Math.PI / 5),
    arc(0.5, 0.44, 0.4, 0.035, Math.PI - Math.PI / 5, -Math.PI + Math.PI / 5),
  );
  return [
    { shape: background, color: gradient },
    { shape: place(microphone(0.07), 0.22, 0.19, 0.56), color: WHITE },
    { shape: waves, color: [255, 255, 255, 200] },
  ];
}

export function makeIcons(root = ROOT): string[] {
  const written: string[] = [];
  const write = (path: string, png: Buffer): void => {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, png);
    written.push(path);
  };
  for (const state of ['idle', 'listening', 'error'] as const) {
    write(join(root, 'resources', 'tray', `tray-${state}.png`), render(16, trayLayers(state, 16)));
    write(join(root, 'resources', 'tray', `tray-${state}@2x.png`), render(32, trayLayers(state, 32)));
  }
  write(join(root, 'resources', 'icon.png'), render(512, appIconLayers()));
  write(join(root, 'build', 'icon.png'), render(1024, appIconLayers()));
  return written;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const path of makeIcons()) process.stdout.write(`wrote ${path}\n`);
}
